// quantize_int8: calibration, QDQ rewriting and the output check, in that order.
#include "tools/int8_conversion.h"

#include <set>

#include "passes/quantize.h"
#include "tools/range_histogram.h"

namespace zenith::tools {

Int8Report quantize_int8(ir::Graph& graph, const Int8Options& options) {
  const CalibrationMethod method = parse_calibration_method(options.calib_method, "--calib-method");
  const std::vector<std::string> names = passes::quantizable_nodes(graph);
  const std::set<std::string> nodes(names.begin(), names.end());
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
  Int8Report report;
  report.activations = activations.size();
  report.method = to_string(method);
  report.samples = samples->describe();
  report.random = samples->random();
  report.quantized = passes::quantize_qdq(graph, nodes, ranges);
  report.cosines = output_cosines(f32, graph, *samples, options.run);
  return report;
}

}  // namespace zenith::tools
