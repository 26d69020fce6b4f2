// `zenith convert`: the model optimizer. Reads a model, freezes input shapes, runs the
// device-independent passes, optionally quantizes it to INT8 from calibration or compresses
// weights to f16 where the outputs allow it, and writes a .zir file, printing what each step
// changed.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "devices/cpu/cpu_isa.h"
#include "frontend/onnx/model_writer.h"
#include "ir/errors.h"
#include "ir/zir.h"
#include "passes/freeze_input_shapes.h"
#include "passes/pipeline.h"
#include "passes/zenith_op_expansion.h"
#include "runtime/session.h"
#include "tools/cli_util.h"
#include "tools/fp16_selection.h"
#include "tools/int8_conversion.h"
#include "tools/npy.h"
#include "tools/progress.h"
#include "tools/random_fill.h"
#include "tools/session_timing.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

struct ConvertOptions {
  std::string model;
  std::string output;
  std::vector<std::string> input_shapes;  // NAME=DIMS, or DIMS for a model with one input
  std::string compress = "none";
  bool no_passes = false;
  std::vector<std::string> inputs;  // NAME=FILE.npy: data for the f16 check
  double rtol = 1e-2, atol = 1e-3;
  std::string device = "CPU";
  int threads = 0;
  uint64_t seed = 0;
  std::string precision = "f32";
  std::string calib_data;  // "": seeded random samples
  size_t calib_count = 300;
  std::string calib_method = "minmax";
  std::string mean, scale;  // a calibration dataset's preprocessing
  std::string metric;       // "": no fallback
  std::string max_drop = "1%";
  std::string export_qdq;  // int8: also write the quantized model as QDQ ONNX here
  std::string val_data;    // --metric top1 / auroc: "" for calib_data
  size_t val_count = 1000;
  bool quiet = false;  // no progress line
};

// A progress line over `work`'s counter while it lives (tools/progress.h): scoped to the long
// stages, which print nothing themselves, so that stdout's lines never land on it.
ProgressLine convert_progress(const ConvertOptions& options, const WorkCounter& work) {
  return ProgressLine(progress_wanted(options.quiet),
                      [&work](double elapsed) { return "convert: " + work.status(elapsed); });
}

// "1%" or "0.01" as 0.01.
double parse_fraction(const std::string& text, std::string_view flag) {
  const bool percent = !text.empty() && text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (number.empty() || used != number.size())
    throw_invalid_argument("{} '{}': expected a fraction such as 0.01 or a percentage such as 1%",
                           flag, text);
  return percent ? value / 100 : value;
}

// "f32", "bf16" or "int8" from --precision ("fp32" is f32).
std::string parse_precision(const std::string& text) {
  if (text == "f32" || text == "fp32") return "f32";
  if (text == "bf16" || text == "int8") return text;
  throw_invalid_argument("--precision '{}': expected f32 (or fp32), bf16 or int8", text);
}

// The f16 and BF16 checks' data: files given with -i, else seeded random values of the declared
// shapes.
std::map<std::string, ir::Value> check_feeds(const ir::Graph& graph, const ConvertOptions& options);

// BF16 is a compute precision, not a storage format: the file keeps f32 weights and records
// "precision: bf16", which run, bench, info and classify then compile it in unless told
// otherwise. Before that, what BF16 does to the outputs and the time is measured and printed.
void record_bf16(const ir::Graph& graph, const ConvertOptions& options, ir::ZirOptions& zir) {
  if (!cpu::bf16_dot_product())
    std::cerr << "zenith convert: warning: this CPU has no BF16 instructions (AVX512-BF16, AMX): "
                 "the file computes in f32 here, in BF16 where they exist\n";
  const auto feeds = check_feeds(graph, options);
  const runtime::Session f32(graph, options.device, options.threads);
  const runtime::Session bf16(graph, options.device, options.threads, InferencePrecision::bf16);
  const std::vector<ir::Value> want = f32.run(feeds), got = bf16.run(feeds);
  const std::string inputs = options.inputs.empty()
                                 ? fmt::format("seeded random inputs (seed {})", options.seed)
                                 : "the given inputs";
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i].is_tensor() && got[i].tensor().dtype() == ir::DType::F32)
      std::cout << fmt::format("bf16: output '{}' relative L2 error to f32 {:.3g} on {}\n",
                               graph.outputs[i].name,
                               ir::relative_l2_error(got[i].tensor(), want[i].tensor()), inputs);
  const auto [f32_ms, bf16_ms] = alternating_medians(f32, bf16, feeds);
  std::cout << fmt::format("bf16: {:.3g} ms per run against f32's {:.3g} ms ({:.2f}x) on {}\n",
                           bf16_ms, f32_ms, f32_ms / bf16_ms, options.device);
  zir.metadata["precision"] = "bf16";
}

// Quantizes the graph to INT8 and prints the calibration and how closely the quantized
// outputs follow the f32 ones.
void quantize_int8(ir::Graph& graph, const ConvertOptions& options, ir::ZirOptions& zir) {
  WorkCounter work;
  const Int8Options int8_options{options.calib_data,
                                 options.calib_count,
                                 options.calib_method,
                                 options.seed,
                                 options.mean,
                                 options.scale,
                                 {options.device, options.threads, &work},
                                 options.metric,
                                 parse_fraction(options.max_drop, "--max-drop"),
                                 options.val_data,
                                 options.val_count};
  const ir::Graph f32 = graph;
  const Int8Report report = [&] {
    const ProgressLine progress = convert_progress(options, work);
    return tools::quantize_int8(graph, int8_options);
  }();
  if (!cpu::int8_dot_product())
    std::cerr
        << "zenith convert: warning: oneDNN runs without an 8-bit dot product here (no VNNI or "
           "AMX): INT8 convolutions use 7-bit weights and may be no faster than f32\n";
  if (report.random)
    std::cerr << "zenith convert: warning: no --calib-data: calibrating on seeded random inputs, "
                 "whose ranges are only good for timing, not for accuracy\n";
  std::vector<std::string> counts;
  for (const auto& [op, n] : report.quantized)
    if (op != "QuantizeLinear") counts.push_back(fmt::format("{} {}", n, op));
  std::cout << fmt::format("int8: calibrated {} activations ({}) on {}; quantized {}\n",
                           report.activations, report.method, report.samples,
                           counts.empty() ? "nothing" : fmt::format("{}", fmt::join(counts, ", ")));
  if (!report.kept_f32.empty()) {
    for (size_t i = 0; i < report.cosines_all_int8.size(); ++i)
      std::cout << fmt::format(
          "int8: output '{}' cosine similarity to f32 {:.5f} with every node quantized\n",
          graph.outputs[i].name, report.cosines_all_int8[i]);
    std::cout << fmt::format("int8: {} kept f32 ({}), most harmful first: {}\n",
                             report.kept_f32.size(), options.metric,
                             fmt::join(report.kept_f32, ", "));
  }
  for (size_t i = 0; i < report.cosines.size(); ++i)
    std::cout << fmt::format("int8: output '{}' cosine similarity to f32 {:.5f}\n",
                             graph.outputs[i].name, report.cosines[i]);
  if (const std::optional<MetricReport>& m = report.metric) {
    std::cout << fmt::format("int8: {}: f32, every node INT8, as written\n", m->describe);
    for (size_t i = 0; i < m->names.size(); ++i)
      std::cout << fmt::format("  {:<24} {:.4f}  {:.4f}  {:.4f} ({:.2f}% of f32)\n", m->names[i],
                               m->f32[i], m->all_int8[i], m->int8[i], 100 * m->int8[i] / m->f32[i]);
  }
  const auto [f32_ms, int8_ms] = time_f32_and_int8(f32, graph, int8_options);
  std::cout << fmt::format("int8: {:.3g} ms per run against f32's {:.3g} ms ({:.2f}x) on {}\n",
                           int8_ms, f32_ms, f32_ms / int8_ms, options.device);
  if (int8_ms >= f32_ms)
    std::cerr << "zenith convert: warning: the INT8 model ran no faster than f32 here: its integer "
                 "convolutions and matrix products do not pay for the conversions around them in this model\n";
  zir.metadata["precision"] = "int8";
  zir.metadata["calibration.method"] = report.method;
  zir.metadata["calibration.samples"] = report.samples;
  zir.passes.push_back("quantize_qdq");
}

std::map<std::string, ir::Dims> parse_input_shapes(const ir::Graph& graph,
                                                   const std::vector<std::string>& specs) {
  std::map<std::string, ir::Dims> shapes;
  for (const std::string& spec : specs) {
    std::string name;
    std::string dims = spec;
    if (spec.find('=') != std::string::npos) {
      std::tie(name, dims) = split_assignment(spec, "--input-shape", "NAME=1,3,224,224");
    } else {
      const auto inputs = graph.runtime_inputs();
      if (inputs.size() != 1)
        throw_invalid_argument(
            "--input-shape '{}': the model has {} inputs, so name the one to fix (NAME=DIMS)",
            spec, inputs.size());
      name = inputs[0]->name;
    }
    if (!shapes.emplace(name, parse_dims(dims, "--input-shape")).second)
      throw_invalid_argument("--input-shape: input '{}' is given twice", name);
  }
  return shapes;
}

std::map<std::string, ir::Value> check_feeds(const ir::Graph& graph, const ConvertOptions& options) {
  std::map<std::string, ir::Value> feeds;
  for (const std::string& spec : options.inputs) {
    const auto [name, file] = split_assignment(spec, "-i", "NAME=FILE.npy");
    feeds[name] = read_npy(file);
  }
  for (const ir::ValueInfo* input : graph.runtime_inputs()) {
    if (feeds.count(input->name)) continue;
    if (!input->type.shape)
      throw_invalid_argument(
          "input '{}' has no declared shape to make data for the f16 check; give it with -i {}=FILE.npy",
          input->name, input->name);
    std::vector<std::string> notes;
    const ir::Dims dims = concrete_dims(*input->type.shape, notes);
    feeds[input->name] = random_tensor(input->type.dtype, dims, options.seed, input->name);
  }
  return feeds;
}

std::string megabytes(uintmax_t bytes) { return fmt::format("{:.1f} MB", bytes / 1e6); }

int convert(const ConvertOptions& options) {
  if (options.compress != "none" && options.compress != "fp16")
    throw_invalid_argument("--compress '{}': expected none or fp16", options.compress);
  const std::string precision = parse_precision(options.precision);
  if (precision == "int8" && options.compress == "fp16")
    throw_invalid_argument(
        "--compress fp16 with --precision int8: INT8 weights are already 1 byte");
  if (!options.export_qdq.empty() && precision != "int8")
    throw_invalid_argument("--export-qdq writes a quantized model: it needs --precision int8");
  if (!(options.rtol >= 0 && options.atol >= 0) || options.rtol + options.atol == 0)
    throw_invalid_argument("--rtol {} / --atol {}: expected non-negative values, not both 0",
                           options.rtol, options.atol);
  ir::Graph graph = runtime::load_graph(options.model);
  std::cout << fmt::format("{} -> {}\n", options.model, options.output);
  ir::ZirOptions zir;
  zir.metadata["source"] = fs::path(options.model).filename().string();

  if (!options.input_shapes.empty()) {
    const auto shapes = parse_input_shapes(graph, options.input_shapes);
    std::map<std::string, std::string> before;
    for (const ir::ValueInfo* v : graph.runtime_inputs()) before[v->name] = ir::to_string(v->type);
    const passes::ChangeCounts changes = passes::freeze_input_shapes(graph, shapes);
    for (const auto& [name, dims] : shapes) {
      std::cout << fmt::format("input '{}': {} -> {}\n", name, before[name],
                               ir::to_string(*graph.type_of(name)));
      zir.metadata["input_shape." + name] = ir::to_string(dims);
    }
    std::cout << fmt::format("shape inference: {} outputs and annotated values now static\n",
                             changes.count("values") ? changes.at("values") : 0);
    zir.passes.push_back("freeze_input_shapes");
  }

  if (!options.no_passes) {
    const passes::PipelineReport report = passes::run_default_passes(graph);
    std::cout << "passes:\n";
    for (const passes::PassSummary& pass : report.passes) {
      std::cout << fmt::format("  {}: {}\n", pass.pass, pass.describe());
      zir.passes.push_back(pass.pass);
    }
    std::cout << fmt::format("nodes {} -> {}, initializers {} -> {}\n", report.nodes_before,
                             report.nodes_after, report.initializers_before,
                             report.initializers_after);
  }

  if (precision == "bf16") record_bf16(graph, options, zir);
  if (precision == "int8") {
    quantize_int8(graph, options, zir);
    if (!options.export_qdq.empty()) {
      // Standard ONNX: Zenith's fused attention and activations written out as their ops.
      ir::Graph exported = graph;
      passes::expand_zenith_ops(exported);
      onnx_frontend::write_model(exported, options.export_qdq);
      std::cout << fmt::format("int8: QDQ ONNX written to {}\n", options.export_qdq);
    }
  }

  std::map<std::string, ir::Value> feeds;
  if (options.compress == "fp16") {
    zir.compress_fp16 = true;
    feeds = check_feeds(graph, options);
    const Tolerance tolerance{options.rtol, options.atol};
    WorkCounter work;
    const Fp16Plan plan = [&] {
      const ProgressLine progress = convert_progress(options, work);
      return plan_fp16(graph, feeds, options.device, options.threads, tolerance, &work);
    }();
    zir.keep_f32 = plan.keep_f32;
    std::cout << fmt::format(
        "fp16: all {} candidate weights in f16 give {:.3g}x the tolerance (rtol {:g}, atol {:g}) "
        "on {} inputs; {}\n",
        plan.candidates, plan.ratio_all_f16, options.rtol, options.atol,
        options.inputs.empty() ? fmt::format("seeded random (seed {})", options.seed) : "the given",
        plan.keep_f32.empty()
            ? "none kept f32"
            : fmt::format("{} kept f32 ({:.3g}x), after {} runs", plan.keep_f32.size(), plan.ratio,
                          plan.evaluations));
    zir.metadata["fp16.rtol"] = fmt::format("{:g}", options.rtol);
    zir.metadata["fp16.atol"] = fmt::format("{:g}", options.atol);
  }

  const ir::ZirSummary summary = ir::write_zir(graph, options.output, zir);
  if (zir.compress_fp16) {
    // What the file itself computes, not what the plan predicted.
    const auto expected = runtime::Session(graph, options.device, options.threads).run(feeds);
    const auto actual =
        runtime::Session(ir::read_zir(options.output), options.device, options.threads).run(feeds);
    const double ratio = tolerance_ratio(actual, expected, {options.rtol, options.atol});
    std::cout << fmt::format(
        "fp16: {} of {} constants stored as f16, {} kept f32; the written file gives {:.3g}x the "
        "tolerance\n",
        summary.compressed, summary.constants, summary.kept_f32, ratio);
    if (ratio > 1) {
      std::error_code ec;
      fs::remove(options.output, ec);
      throw_invalid_argument(
          "{}: removed: its outputs are {:.3g}x the tolerance from the f32 model's although the "
          "plan kept them within it",
          options.output, ratio);
    }
  }
  const uintmax_t source_bytes = fs::file_size(options.model);
  std::cout << fmt::format("size: {} -> {} ({:.2f}x)\n", megabytes(source_bytes),
                           megabytes(summary.file_bytes),
                           static_cast<double>(summary.file_bytes) / source_bytes);
  return 0;
}

}  // namespace

Command add_convert_command(CLI::App& app) {
  auto options = std::make_shared<ConvertOptions>();
  CLI::App* sub = app.add_subcommand(
      "convert", "Optimize a model (.onnx or .zir) and write it as a .zir file that loads by mmap");
  sub->add_option("model", options->model, "Model file (.onnx or .zir)")->required();
  sub->add_option("-o,--output", options->output, "The .zir file to write")->required();
  sub->add_option("--input-shape", options->input_shapes,
                  "Fix an input's shape: NAME=1,3,224,224 (or 1,3,224,224 for a model with one "
                  "input); repeatable");
  sub->add_option("--compress", options->compress,
                  "Weight compression: none, or fp16 (weights whose rounding would move the "
                  "outputs past --rtol/--atol stay f32)")
      ->default_str(options->compress);
  sub->add_flag("--quiet", options->quiet,
                "No progress line (one is shown on a terminal when calibration or the fp16 "
                "choice takes over 2 s)");
  sub->add_flag("--no-passes", options->no_passes,
                "Write the graph as read, without folding or fusing");
  sub->add_option("-i,--input", options->inputs,
                  "NAME=FILE.npy: data for the fp16 check (default: seeded random data)");
  sub->add_option("--rtol", options->rtol, "fp16 check: relative tolerance")
      ->default_str("0.01");
  sub->add_option("--atol", options->atol, "fp16 check: absolute tolerance")
      ->default_str("0.001");
  sub->add_option("-d,--device", options->device, "fp16 check: device to run on")
      ->default_str(options->device);
  sub->add_option("-t,--threads", options->threads, "fp16 check: threads (0: all cores)")
      ->default_str("0");
  sub->add_option("--seed", options->seed, "fp16 check and calibration: seed of the random data")
      ->default_str("0");
  sub->add_option("--precision", options->precision,
                  "f32 (or fp32); bf16: f32 weights, recorded to compute convolutions and Linear "
                  "layers in BF16 (its output error and speed printed); or int8: convolutions "
                  "quantized (QDQ form: s8 weights per output channel, u8/s8 activations from "
                  "calibration; Gemm and MatMul stay f32)")
      ->default_str(options->precision);
  sub->add_option("--calib-data", options->calib_data,
                  "int8 calibration samples: a folder of .npy files ([k, ...] each; "
                  "<input>_<i>.npy for several inputs) or a dataset zenith bench takes "
                  "(fashion-mnist, a folder); default: seeded random inputs, good only for timing");
  sub->add_option("--calib-count", options->calib_count, "int8: samples to calibrate on, at most")
      ->default_str("300");
  sub->add_option("--calib-method", options->calib_method,
                  "int8: minmax (no clipping), percentile (99.99% of magnitudes) or entropy "
                  "(least KL divergence, as TensorRT)")
      ->default_str(options->calib_method);
  sub->add_option(
      "--metric", options->metric,
      "int8: returns the nodes that most move the outputs to f32, one at a time, until "
      "output-error: every output's cosine similarity to f32 is at least 1 - --max-drop; "
      "top1: the top-1 accuracy, auroc: each finding's AUROC on --val-data keeps at least "
      "1 - --max-drop of f32's");
  sub->add_option("--export-qdq", options->export_qdq,
                  "int8: also write the quantized model as standard QDQ ONNX (QuantizeLinear / "
                  "DequantizeLinear around each convolution) for other runtimes");
  sub->add_option("--val-data", options->val_data,
                  "int8 --metric top1|auroc: the labeled dataset to measure on (default: "
                  "--calib-data)");
  sub->add_option("--val-count", options->val_count,
                  "int8 --metric top1|auroc: its samples to measure on, at most")
      ->default_str("1000");
  sub->add_option("--max-drop", options->max_drop, "int8 --metric: the drop allowed, 1% or 0.01")
      ->default_str(options->max_drop);
  sub->add_option("--mean", options->mean,
                  "int8 calibration dataset: per-channel mean, R,G,B or V");
  sub->add_option("--scale", options->scale,
                  "int8 calibration dataset: per-channel scale, R,G,B or V");
  return {sub, [options] { return convert(*options); }};
}

}  // namespace zenith::tools
