// quantize_int8: calibration, QDQ rewriting, the output check and the fallback, in that order.
#include "tools/int8_conversion.h"

#include <algorithm>
#include <set>

#include "ir/errors.h"
#include "passes/quantize.h"
#include "runtime/session.h"
#include "tools/range_histogram.h"
#include "tools/session_timing.h"
#include "tools/validation_metric.h"

namespace zenith::tools {
namespace {

// How many samples rank the nodes for the fallback: one run of each candidate graph on them.
constexpr size_t kRankingSamples = 32;

// The nodes with an integer kernel on CPU, which convert quantizes: Conv (zenith.QConv), and
// MatMul and Gemm (zenith.QMatMul; not a Gemm reading A transposed, which qmatmul_fusion leaves
// as f32 with conversions around it). quantizable_nodes() then keeps those with constant
// weights, so attention's products of two activations stay f32.
std::set<std::string> integer_kernel_nodes(const ir::Graph& graph) {
  std::set<std::string> names;
  for (const ir::Node& n : graph.nodes)
    if (n.domain.empty() && (n.op_type == "Conv" || n.op_type == "MatMul" ||
                             (n.op_type == "Gemm" && n.attr<int64_t>("transA", 0) == 0)))
      names.insert(n.name);
  return names;
}

double worst(const std::vector<double>& cosines) {
  return cosines.empty() ? 1.0 : *std::min_element(cosines.begin(), cosines.end());
}

// The f32 graph with `nodes` quantized with `ranges`.
ir::Graph quantized(const ir::Graph& f32, const std::set<std::string>& nodes,
                    const std::map<std::string, passes::ActivationRange>& ranges,
                    passes::ChangeCounts* changes = nullptr) {
  ir::Graph g = f32;
  const passes::ChangeCounts c = passes::quantize_qdq(g, nodes, ranges);
  if (changes) *changes = c;
  return g;
}

}  // namespace

Int8Report quantize_int8(ir::Graph& graph, const Int8Options& options) {
  const CalibrationMethod method = parse_calibration_method(options.calib_method, "--calib-method");
  if (!options.metric.empty() && options.metric != "output-error" && options.metric != "top1" &&
      options.metric != "auroc")
    throw_invalid_argument("--metric '{}': expected top1, auroc or output-error", options.metric);
  if (!(options.max_drop > 0 && options.max_drop < 1))
    throw_invalid_argument("--max-drop {}: expected a fraction in (0, 1), such as 0.01",
                           options.max_drop);
  std::vector<std::string> names = passes::quantizable_nodes(graph);
  const std::set<std::string> integer_ops = integer_kernel_nodes(graph);
  std::erase_if(names, [&](const std::string& n) { return !integer_ops.count(n); });
  std::set<std::string> nodes(names.begin(), names.end());
  const std::vector<std::string> activations = passes::quantized_activations(graph, nodes);
  auto samples =
      open_calibration_samples(options.calib_data, sample_inputs(graph), options.calib_count,
                               options.seed, options.mean, options.scale);
  std::map<std::string, passes::ActivationRange> ranges;
  for (const auto& [value, h] : measure_ranges(graph, activations, *samples, options.run)) {
    const bool is_unsigned = h.min() >= 0;
    ranges[value] = {h.min(), h.threshold(method, is_unsigned ? 255 : 127)};
  }
  const ir::Graph f32 = graph;
  std::optional<ValidationMetric> validation;
  if (options.metric == "top1" || options.metric == "auroc")
    validation.emplace(options.metric,
                       options.val_data.empty() ? options.calib_data : options.val_data,
                       options.val_count, f32, options.mean, options.scale, options.run);
  Int8Report report;
  report.activations = activations.size();
  report.method = to_string(method);
  report.samples = samples->describe();
  report.random = samples->random();
  graph = quantized(f32, nodes, ranges, &report.quantized);
  report.cosines = output_cosines(f32, graph, *samples, options.run);
  report.cosines_all_int8 = report.cosines;
  if (validation) {
    report.metric = MetricReport{validation->describe(),
                                 validation->names(),
                                 validation->reference(),
                                 validation->measure(graph),
                                 {}};
    report.metric->int8 = report.metric->all_int8;
  }
  const double bound = 1.0 - options.max_drop;
  const auto holds = [&] {
    return validation ? within_drop(report.metric->int8, report.metric->f32, options.max_drop)
                      : worst(report.cosines) >= bound;
  };
  if (options.metric.empty() || holds()) return report;

  // Accuracy-aware fallback: rank each node by how much the outputs recover when it alone
  // stays f32 (on a few samples), then return nodes to f32 in that order until the bound holds.
  // The outputs' cosine ranks for the task metrics too: it is smooth where top-1 on a few
  // samples is not, and one run per node on them is cheap.
  auto ranking = open_calibration_samples(options.calib_data, sample_inputs(f32),
                                          std::min(options.calib_count, kRankingSamples),
                                          options.seed, options.mean, options.scale);
  const ReferenceOutputs reference(f32, *ranking, options.run);
  std::vector<std::pair<double, std::string>> recovery;
  if (options.run.progress)
    options.run.progress->begin("ranking layers for f32", names.size(), "layers");
  for (const std::string& node : names) {
    std::set<std::string> others = nodes;
    others.erase(node);
    recovery.emplace_back(worst(reference.cosines(quantized(f32, others, ranges))), node);
    if (options.run.progress) options.run.progress->add(1);
  }
  std::stable_sort(recovery.begin(), recovery.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [cosine, node] : recovery) {
    nodes.erase(node);
    report.kept_f32.push_back(node);
    graph = quantized(f32, nodes, ranges, &report.quantized);
    report.cosines = output_cosines(f32, graph, *samples, options.run);
    if (validation) report.metric->int8 = validation->measure(graph);
    if (holds()) break;
  }
  return report;
}

std::pair<double, double> time_f32_and_int8(const ir::Graph& f32, const ir::Graph& int8,
                                            const Int8Options& options) {
  auto samples = open_calibration_samples(options.calib_data, sample_inputs(f32), 1, options.seed,
                                          options.mean, options.scale);
  const auto feeds = sample_batch(*samples, sample_inputs(f32), 0, calibration_batch(f32, 1));
  return alternating_medians(runtime::Session(f32, options.run.device, options.run.threads),
                             runtime::Session(int8, options.run.device, options.run.threads),
                             feeds);
}

}  // namespace zenith::tools
