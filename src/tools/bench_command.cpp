// `zenith bench`: a model (or the synthetic SUT) under the MLPerf LoadGen scenarios, with
// MLPerf's settings, logs and verdicts (docs/BENCH.md).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "ir/errors.h"
#include "loadgen/config_file.h"
#include "loadgen/log_files.h"
#include "loadgen/run_test.h"
#include "loadgen/synthetic_sut.h"
#include "runtime/tensor_bridge.h"
#include "serve/datatype.h"
#include "serve/kserve_client.h"
#include "tools/accuracy.h"
#include "tools/bench_sut.h"
#include "tools/cli_util.h"
#include "tools/dataset.h"
#include "tools/latency_plot.h"
#include "tools/picture_file.h"
#include "tools/progress.h"
#include "tools/random_fill.h"
#include "tools/remote_sut.h"
#include "zenith/zenith.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

struct BenchOptions {
  std::string model;
  std::string scenario;
  std::string device = "CPU";
  std::string mode = "performance";
  std::optional<double> target_qps, expected_qps, target_latency_ms, min_duration_s;
  std::optional<uint64_t> samples_per_query, min_query_count, performance_sample_count;
  std::string conf;
  std::string mlperf_model;  // the model name mlperf.conf / user.conf lines match
  std::string log_dir;
  std::string plot;  // --plot FILE.svg or FILE.png
  bool json = false;
  bool quick = false;
  bool quiet = false;
  int threads = 0;
  size_t batch = 0;  // 0: from the scenario
  std::optional<double> synthetic_ms;
  int synthetic_workers = 1;
  size_t synthetic_samples = 1024;
  uint64_t seed = 0;
  std::string dataset;  // "fashion-mnist" or a folder (dataset.h)
  size_t dataset_limit = 0;
  std::string mean, scale;  // default: Fashion-MNIST's 0 / 255, else ImageNet's
  std::string precision;    // "": the .zir's, else f32
  std::string server;       // a KServe v2 server's address: MODEL is then a name it serves
  std::string protocol = "rest";
  size_t clients = 16;
};

loadgen::TestMode parse_mode(const std::string& mode) {
  if (mode == "performance") return loadgen::TestMode::Performance;
  if (mode == "accuracy") return loadgen::TestMode::Accuracy;
  if (mode == "find-peak") return loadgen::TestMode::FindPeak;
  throw_invalid_argument("--mode '{}': expected performance, accuracy or find-peak", mode);
}

// The command-line settings as user.conf lines, so that they mean exactly what those keys mean
// there and are checked by the same code; they come after --conf's, so they win.
std::string flags_as_conf(const BenchOptions& o, std::string_view scenario) {
  std::string text;
  const auto line = [&](std::string_view key, auto value) {
    text += fmt::format("*.{}.{} = {}\n", scenario, key, value);
  };
  if (o.quick) {
    line("min_duration", 10000);
    line("min_query_count", 100);
  }
  // Both are the target_qps key, which means a different thing in each scenario: each flag is
  // given the scenario it names, so neither can silently override the other.
  if (o.target_qps && scenario != "Server")
    throw_invalid_argument(
        "--target-qps sets Server's arrival rate; for {} use {}", scenario,
        scenario == "Offline" ? "--expected-qps" : "--target-latency-ms (the expected latency)");
  if (o.expected_qps && scenario != "Offline")
    throw_invalid_argument(
        "--expected-qps sizes Offline's query; for {} use {}", scenario,
        scenario == "Server" ? "--target-qps" : "--target-latency-ms (the expected latency)");
  if (o.target_qps) line("target_qps", *o.target_qps);
  if (o.expected_qps) line("target_qps", *o.expected_qps);
  if (o.target_latency_ms) line("target_latency", *o.target_latency_ms);
  if (o.samples_per_query) line("samples_per_query", *o.samples_per_query);
  if (o.min_duration_s) line("min_duration", *o.min_duration_s * 1000);
  if (o.min_query_count) line("min_query_count", *o.min_query_count);
  if (o.performance_sample_count) line("performance_sample_count_override", *o.performance_sample_count);
  return text;
}

loadgen::TestSettings make_settings(const BenchOptions& o, const std::string& model_name) {
  loadgen::TestSettings settings;
  settings.scenario = loadgen::parse_scenario(o.scenario);
  settings.mode = parse_mode(o.mode);
  const std::string_view scenario = loadgen::to_string(settings.scenario);
  loadgen::apply_config(settings, loadgen::builtin_mlperf_conf(), "mlperf.conf (built in)",
                        model_name, loadgen::ConfigKind::MlperfConf);
  if (!o.conf.empty())
    loadgen::apply_config_file(settings, o.conf, model_name, loadgen::ConfigKind::UserConf);
  loadgen::apply_config(settings, flags_as_conf(o, scenario), "command line", model_name,
                        loadgen::ConfigKind::UserConf);
  return settings;
}

// The batch a request runs: one sample for the latency scenarios, a whole query for
// MultiStream, 8 for Offline (oneDNN's blocked kernels reach their throughput there).
size_t default_batch(const loadgen::TestSettings& s) {
  switch (s.scenario) {
    case loadgen::Scenario::MultiStream: return s.multi_stream_samples_per_query;
    case loadgen::Scenario::Offline: return 8;
    default: return 1;
  }
}

nlohmann::json result_json(const loadgen::TestResult& result) {
  nlohmann::json j = {{"sut", result.sut_name},
                      {"scenario", loadgen::to_string(result.effective.scenario)},
                      {"mode", loadgen::to_string(result.effective.mode)}};
  if (!result.performance) return j;
  const loadgen::PerformanceSummary& p = *result.performance;
  j["valid"] = p.valid;
  j["samples"] = p.sample_count;
  j["queries"] = p.query_count;
  j["min_duration_met"] = p.min_duration_met;
  j["min_queries_met"] = p.min_queries_met;
  j["early_stopping_met"] = p.early_stopping_met;
  j["perf_constraints_met"] = p.perf_constraints_met;
  const loadgen::LatencyStats& latency = p.query_latency ? *p.query_latency : p.sample_latency;
  j["target_percentile"] = result.effective.target_latency_percentile;
  j["target_latency_ms"] = latency.target_ns / 1e6;
  j["mean_latency_ms"] = latency.mean_ns / 1e6;
  j["target_qps"] = result.effective.target_qps;
  switch (result.effective.scenario) {
    case loadgen::Scenario::Offline: j["samples_per_second"] = p.samples_per_second; break;
    case loadgen::Scenario::Server: j["completed_samples_per_second"] = p.completed_samples_per_second; break;
    default: j["qps_with_loadgen_overhead"] = p.qps_with_loadgen_overhead; break;
  }
  return j;
}

nlohmann::json accuracy_json(const AccuracyReport& a) {
  nlohmann::json per_class = nlohmann::json::object();
  for (const auto& [name, value] : a.per_class) per_class[name] = value;
  return {{"metric", a.metric}, {"value", a.value}, {"samples", a.samples},
          {"per_class", per_class}, {"skipped", a.skipped}};
}

void print_accuracy(const AccuracyReport& a) {
  std::cout << fmt::format("accuracy: {} = {:.4f} over {} samples\n", a.metric, a.value, a.samples);
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, value] : a.per_class) rows.push_back({"  " + name, fmt::format("{:.4f}", value)});
  print_table(std::cout, rows);
  for (const std::string& skipped : a.skipped) std::cout << "  skipped: " << skipped << '\n';
}

// `precisions`: what the model's nodes compute in (precision_counts) when compiled in
// `precision`; both "" for a synthetic run.
// --plot FILE.svg|png: the run's latencies (tools/latency_plot.h).
void write_plot(const std::string& path, const loadgen::TestResult& result) {
  const loadgen::EffectiveSettings& e = result.effective;
  const LatencyPlotInfo info =
      plot_info(result.sut_name, std::string(loadgen::to_string(e.scenario)),
                std::string(loadgen::to_string(e.mode)), e.target_latency_percentile,
                static_cast<std::int64_t>(e.target_latency_ns));
  write_picture(path, latency_plot_svg(*result.performance, info), "--plot");
}

void report(const BenchOptions& o, const loadgen::TestResult& result,
            const std::optional<AccuracyReport>& accuracy = std::nullopt,
            const std::string& precision = {}, const std::string& precisions = {}) {
  if (!o.log_dir.empty()) loadgen::write_logs(result, o.log_dir);
  if (!o.plot.empty() && result.performance) write_plot(o.plot, result);
  if (o.json) {
    nlohmann::json j = result_json(result);
    if (accuracy) j["accuracy"] = accuracy_json(*accuracy);
    if (!precisions.empty()) j["precision"] = {{"requested", precision}, {"nodes", precisions}};
    std::cout << j.dump(2) << '\n';
    return;
  }
  if (!precisions.empty())
    std::cout << fmt::format("precision {}: nodes computing in each: {}\n", precision, precisions);
  if (result.performance) loadgen::write_summary_log(result, std::cout);
  if (accuracy) print_accuracy(*accuracy);
  if (!o.log_dir.empty())
    std::cout << fmt::format("MLPerf logs: {}\n",
                             (fs::path(o.log_dir) / "mlperf_log_summary.txt").string());
}

// Samples held in memory unless --performance-sample-count says otherwise: MLPerf ResNet-50's.
constexpr size_t kDefaultSamples = 1024;

size_t performance_count(const loadgen::TestSettings& settings, size_t total) {
  const uint64_t wanted = settings.performance_sample_count_override;
  return std::min<size_t>(wanted ? wanted : kDefaultSamples, total);
}

// Seeded random samples of the input's shape (batch 1, other unknown dims 1).
std::unique_ptr<TensorQsl> random_qsl(const Port& input, const BenchOptions& o,
                                      const loadgen::TestSettings& settings) {
  ir::Dims dims(input.shape.begin(), input.shape.end());
  for (int64_t& d : dims) d = d < 0 ? 1 : d;
  if (!dims.empty()) dims[0] = 1;
  const ir::DType dtype = runtime::to_dtype(input.element_type);
  const size_t count = performance_count(settings, SIZE_MAX);
  return std::make_unique<TensorQsl>(
      "random " + to_string(input), count, count, [=, name = input.name](size_t index) {
        return TensorAccess::from_ir(random_tensor(dtype, dims, o.seed + index, name), name);
      });
}

// Dataset samples preprocessed for a [N, C, H, W] input.
std::unique_ptr<TensorQsl> dataset_qsl(const Dataset& dataset, const Port& input,
                                       const BenchOptions& o, const loadgen::TestSettings& settings) {
  if (input.element_type != ElementType::f32 || input.shape.size() != 4 || input.shape[1] < 0 ||
      input.shape[2] < 0 || input.shape[3] < 0)
    throw_invalid_argument("--dataset needs an f32 [N,C,H,W] input with known C, H and W; '{}' is {}",
                           input.name, to_string(input));
  const InputLayout layout =
      dataset_layout(o.dataset, input.shape[1], input.shape[2], input.shape[3], o.mean, o.scale);
  return std::make_unique<TensorQsl>(
      dataset.name(), dataset.size(), performance_count(settings, dataset.size()),
      [&dataset, layout](size_t index) { return dataset.load(index, layout); });
}

// The accuracy run's outputs, one f32 row per sample, scored against the dataset's labels.
AccuracyReport score(const Dataset& dataset, const loadgen::TestResult& result) {
  std::vector<size_t> indices;
  std::vector<float> scores;
  for (const loadgen::AccuracyResponse& r : result.accuracy_responses) {
    if (r.data.empty() || r.data.size() % sizeof(float) != 0)
      throw_invalid_argument("sample {}: the model's first output gave {} bytes, not f32 scores",
                             r.index, r.data.size());
    indices.push_back(r.index);
    const size_t at = scores.size();
    scores.resize(at + r.data.size() / sizeof(float));
    std::memcpy(scores.data() + at, r.data.data(), r.data.size());
  }
  return dataset.multi_label() ? mean_auroc(dataset, indices, scores)
                               : top1_accuracy(dataset, indices, scores);
}

// A system under test that counts the queries issued to it, for the progress line.
class CountingSut : public loadgen::SystemUnderTest {
 public:
  explicit CountingSut(loadgen::SystemUnderTest& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  void issue_query(std::span<const loadgen::QuerySample> samples) override {
    issued_.fetch_add(1, std::memory_order_relaxed);
    inner_.issue_query(samples);
  }
  void flush_queries() override { inner_.flush_queries(); }
  uint64_t issued() const { return issued_.load(std::memory_order_relaxed); }

 private:
  loadgen::SystemUnderTest& inner_;
  std::atomic<uint64_t> issued_{0};
};

// "bench SingleStream PerformanceOnly: 812 queries, 6s; at least 4s more": the run ends once both
// its minimum duration and its minimum query count are met (an estimate: early stopping may ask for
// more).
std::string bench_status(const loadgen::TestSettings& settings, uint64_t issued, double elapsed) {
  std::string line =
      fmt::format("bench {} {}: {} queries, {}", loadgen::to_string(settings.scenario),
                  loadgen::to_string(settings.mode), issued, short_duration(elapsed));
  if (settings.mode == loadgen::TestMode::Accuracy || elapsed <= 0) return line;
  const double by_duration = static_cast<double>(settings.min_duration_ms) / 1000 - elapsed;
  const double by_count = issued >= settings.min_query_count
                              ? 0
                              : static_cast<double>(settings.min_query_count - issued) * elapsed /
                                    std::max<uint64_t>(issued, 1);
  const double left = std::max(by_duration, by_count);
  return left >= 0.5 ? line + fmt::format("; at least {} more", short_duration(left)) : line;
}

// LoadGen's run, with a progress line on a terminal.
loadgen::TestResult run_with_progress(const BenchOptions& o, loadgen::SystemUnderTest& sut,
                                      loadgen::QuerySampleLibrary& qsl,
                                      const loadgen::TestSettings& settings) {
  CountingSut counted(sut);
  const ProgressLine progress(progress_wanted(o.quiet), [&](double elapsed) {
    return bench_status(settings, counted.issued(), elapsed);
  });
  return loadgen::run_test(counted, qsl, settings);
}

// LoadGen over the system under test `make_sut(qsl)` builds (an EngineSut or a RemoteSut),
// with samples for `input` from --dataset or random; then the accuracy, if asked, and the report.
template <typename MakeSut>
void run_and_report(const BenchOptions& o, const loadgen::TestSettings& settings, const Port& input,
                    const MakeSut& make_sut, const std::string& precision = {},
                    const std::string& precisions = {}) {
  std::unique_ptr<Dataset> dataset;
  if (!o.dataset.empty()) dataset = open_dataset(o.dataset, o.dataset_limit);
  if (settings.mode == loadgen::TestMode::Accuracy && !dataset)
    throw_invalid_argument("--mode accuracy needs a dataset to score against (--dataset)");
  std::unique_ptr<TensorQsl> qsl =
      dataset ? dataset_qsl(*dataset, input, o, settings) : random_qsl(input, o, settings);
  std::optional<loadgen::TestResult> result;
  {
    const auto sut = make_sut(*qsl);
    result = run_with_progress(o, *sut, *qsl, settings);
    if (std::exception_ptr failure = sut->failure()) std::rethrow_exception(failure);
  }
  std::optional<AccuracyReport> accuracy;
  if (settings.mode == loadgen::TestMode::Accuracy) accuracy = score(*dataset, *result);
  report(o, *result, accuracy, precision, precisions);
}

int bench_synthetic(const BenchOptions& o) {
  if (*o.synthetic_ms <= 0) throw_invalid_argument("--synthetic-ms {}: must be > 0", *o.synthetic_ms);
  if (o.synthetic_workers < 1)
    throw_invalid_argument("--synthetic-workers {}: must be at least 1", o.synthetic_workers);
  if (o.synthetic_samples < 1) throw_invalid_argument("--synthetic-samples must be at least 1");
  const loadgen::TestSettings settings = make_settings(o, o.mlperf_model);
  loadgen::SyntheticSut sut(std::chrono::nanoseconds(static_cast<int64_t>(*o.synthetic_ms * 1e6)),
                            o.synthetic_workers);
  loadgen::SyntheticQsl qsl(o.synthetic_samples, o.synthetic_samples);
  report(o, run_with_progress(o, sut, qsl, settings));
  return 0;
}

int bench_model(const BenchOptions& o) {
  const std::string model_name =
      o.mlperf_model.empty() ? fs::path(o.model).stem().string() : o.mlperf_model;
  const loadgen::TestSettings settings = make_settings(o, model_name);
  const bool latency = settings.scenario == loadgen::Scenario::SingleStream ||
                       settings.scenario == loadgen::Scenario::MultiStream;
  Config config;
  config.hint = latency ? PerformanceHint::latency : PerformanceHint::throughput;
  config.num_threads = o.threads;
  config.inference_precision = model_precision(o.model, o.precision);
  const Core core;
  Model model = core.read_model(o.model);
  // A symbolic batch is fixed to the batch the SUT runs (short batches are padded), so the
  // model is compiled for it here rather than in the first timed query.
  const size_t batch = o.batch ? o.batch : default_batch(settings);
  if (model.inputs().size() == 1 && model.inputs()[0].has_shape) {
    Shape shape = model.inputs()[0].shape;
    if (!shape.empty() && shape[0] < 0 && std::count(shape.begin(), shape.end(), -1) == 1) {
      shape[0] = static_cast<int64_t>(batch);
      model.reshape(shape);
    }
  }
  const CompiledModel compiled = core.compile_model(model, o.device, config);
  const Port& input = compiled.inputs().at(0);
  if (!input.has_shape)
    throw_invalid_argument("{}: input '{}' has no declared shape to make sample data for", o.model,
                           input.name);
  run_and_report(
      o, settings, input,
      [&](const TensorQsl& qsl) {
        return std::make_unique<EngineSut>(compiled, qsl, compiled.optimal_number_of_requests(),
                                           batch, settings.mode == loadgen::TestMode::Accuracy);
      },
      to_string(config.inference_precision), precision_counts(compiled.placement()));
  return 0;
}

// The model's first input as the server describes it.
Port remote_input(const serve::ModelMetadata& meta, const BenchOptions& o) {
  if (meta.inputs.size() != 1)
    throw_invalid_argument("--server {}: model '{}' has {} inputs; bench feeds models of one",
                           o.server, o.model, meta.inputs.size());
  const serve::TensorMetadata& t = meta.inputs[0];
  const std::optional<ElementType> type = serve::parse_datatype(t.datatype);
  if (!type)
    throw_invalid_argument("--server {}: input '{}' has datatype {}, which bench cannot make",
                           o.server, t.name, t.datatype);
  return {t.name, *type, t.shape, std::vector<std::string>(t.shape.size()), true};
}

int bench_remote(const BenchOptions& o) {
  if (o.model.empty()) throw_invalid_argument("--server needs the MODEL name the server serves");
  const auto protocol = serve::KserveClient::parse_protocol(o.protocol);
  const loadgen::TestSettings settings =
      make_settings(o, o.mlperf_model.empty() ? o.model : o.mlperf_model);
  const Port input =
      remote_input(serve::KserveClient::connect(protocol, o.server)->metadata(o.model), o);
  run_and_report(o, settings, input, [&](const TensorQsl& qsl) {
    return std::make_unique<RemoteSut>(
        [&] { return serve::KserveClient::connect(protocol, o.server); }, o.model, input.name, qsl,
        o.clients, settings.mode == loadgen::TestMode::Accuracy);
  });
  return 0;
}

int bench(const BenchOptions& o) {
  if (!o.plot.empty()) require_picture_name(o.plot, "--plot");
  if (!o.plot.empty() && o.mode == "accuracy")
    throw_invalid_argument("--plot draws latencies, which a --mode accuracy run does not measure");
  if (!o.server.empty()) return bench_remote(o);
  if (o.synthetic_ms) {
    if (!o.model.empty())
      throw_invalid_argument("give a MODEL or --synthetic-ms, not both");
    return bench_synthetic(o);
  }
  if (o.model.empty()) throw_invalid_argument("give a MODEL to benchmark, or --synthetic-ms D");
  return bench_model(o);
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* sub = app.add_subcommand(
      "bench", "Measure a model under the MLPerf LoadGen scenarios (SingleStream, MultiStream, "
               "Server, Offline)");
  sub->add_option("model", o->model,
                  "Model file (.onnx or .zir), or with --server the name of a model it serves");
  sub->add_option("-s,--scenario", o->scenario, "SingleStream, MultiStream, Server or Offline")
      ->required();
  sub->add_option("-d,--device", o->device, "Device")->default_str(o->device);
  sub->add_option("--mode", o->mode, "performance, accuracy or find-peak (Server)")
      ->default_str(o->mode);
  sub->add_option("--target-qps", o->target_qps, "Server: the arrival rate (queries/s)");
  sub->add_option("--expected-qps", o->expected_qps,
                  "Offline: the expected throughput, which sizes its one query");
  sub->add_option("--target-latency-ms", o->target_latency_ms,
                  "Server: the latency bound; SingleStream/MultiStream: the expected latency");
  sub->add_option("--samples-per-query", o->samples_per_query, "MultiStream: samples per query");
  sub->add_option("--min-duration-s", o->min_duration_s, "Minimum run time (MLPerf: 600 s)");
  sub->add_option("--min-query-count", o->min_query_count, "Minimum query count");
  sub->add_option("--performance-sample-count", o->performance_sample_count,
                  "Samples held in memory (default: 1,024, or the dataset if smaller)");
  sub->add_flag("--quick", o->quick, "10 s minimum duration and 100 queries (not MLPerf-valid)");
  sub->add_option("--conf", o->conf, "user.conf (model.scenario.key = value lines)");
  sub->add_option("--mlperf-model", o->mlperf_model,
                  "The model name mlperf.conf and user.conf lines match (default: the file's stem)");
  sub->add_option("--log-dir", o->log_dir,
                  "Write mlperf_log_summary.txt, mlperf_log_detail.txt and mlperf_log_accuracy.json here");
  sub->add_option(
      "--plot", o->plot,
      "Draw the latencies as FILE.svg or FILE.png: histogram and percentile curve with the target "
      "percentile, p99 and the bound marked; for Server, latency over the run too");
  sub->add_flag("--json", o->json, "Print the results as JSON");
  sub->add_flag("--quiet", o->quiet, "No progress line (one is shown on a terminal after 2 s)");
  sub->add_option("-t,--threads", o->threads, "Threads (0: all cores)")->default_str("0");
  add_precision_option(*sub, o->precision);
  sub->add_option("--batch", o->batch,
                  "Samples per inference (default: 1; MultiStream: a query; Offline: 8)");
  sub->add_option("--seed", o->seed, "Seed of the random sample data")->default_str("0");
  sub->add_option("--dataset", o->dataset,
                  "Samples from a dataset: fashion-mnist, or a folder with Data_Entry_2017.csv "
                  "(ChestX-ray14) or val_map.txt (ImageNet-style); needed by --mode accuracy");
  sub->add_option("--dataset-limit", o->dataset_limit, "Use only the first N samples of the dataset");
  sub->add_option("--mean", o->mean,
                  "Dataset pixels (0-255): per-channel mean R,G,B subtracted (default: 0 for "
                  "fashion-mnist, else ImageNet's)");
  sub->add_option("--scale", o->scale,
                  "Dataset pixels: per-channel divisor R,G,B after the mean (default: 255 for "
                  "fashion-mnist, else ImageNet's)");
  sub->add_option("--synthetic-ms", o->synthetic_ms,
                  "Instead of a model: a synthetic SUT whose every sample takes this long");
  sub->add_option("--synthetic-workers", o->synthetic_workers, "Synthetic SUT: worker threads")
      ->default_str("1");
  sub->add_option("--synthetic-samples", o->synthetic_samples, "Synthetic SUT: samples in its QSL")
      ->default_str("1024");
  sub->add_option("--server", o->server,
                  "Benchmark a KServe v2 server at HOST:PORT (zenith serve, Triton, ...) over the "
                  "network instead of a model in this process");
  sub->add_option("--protocol", o->protocol, "With --server: rest or grpc")->default_str("rest");
  sub->add_option("--client-threads", o->clients,
                  "With --server: connections, each with one request outstanding")
      ->default_str("16");
  return {sub, [o] { return bench(*o); }};
}

}  // namespace zenith::tools
