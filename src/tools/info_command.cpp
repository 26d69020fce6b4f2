// `zenith info`: what a model contains (inputs, outputs, ops, parameters, estimated compute).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "ir/shape_inference.h"
#include "ir/zir.h"
#include "runtime/session.h"
#include "tools/cli_util.h"
#include "tools/model_stats.h"
#include "tools/quantization_summary.h"
#include "zenith/zenith.h"

namespace zenith::tools {
namespace {

struct InfoOptions {
  std::string model;
  std::string device;  // empty: no placement
  std::string precision;  // "": the .zir's, else f32
  bool json = false;
};

std::string domain_name(const std::string& domain) { return domain.empty() ? "ai.onnx" : domain; }

nlohmann::json shape_json(const ir::TypeInfo& type) {
  if (!type.shape) return nullptr;
  nlohmann::json dims = nlohmann::json::array();
  for (const ir::Dim& d : *type.shape) {
    if (d.is_known())
      dims.push_back(d.value);
    else
      dims.push_back(d.symbol.empty() ? "?" : d.symbol);
  }
  return dims;
}

nlohmann::json values_json(const std::vector<const ir::ValueInfo*>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (const ir::ValueInfo* v : values) {
    out.push_back({{"name", v->name},
                   {"type", ir::to_string(v->type)},
                   {"dtype", ir::dtype_name(v->type.dtype)},
                   {"shape", shape_json(v->type)}});
  }
  return out;
}

nlohmann::json info_json(const ir::Graph& graph, const ModelStats& stats) {
  nlohmann::json opsets = nlohmann::json::object();
  for (const auto& [domain, version] : graph.opsets) opsets[domain_name(domain)] = version;
  std::vector<const ir::ValueInfo*> outputs;
  for (const ir::ValueInfo& v : graph.outputs) outputs.push_back(&v);
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& [op, count] : stats.op_histogram) ops.push_back({{"op", op}, {"count", count}});
  nlohmann::json j = {
      {"source", graph.source},
      {"graph_name", graph.name},
      {"opsets", opsets},
      {"inputs", values_json(graph.runtime_inputs())},
      {"outputs", values_json(outputs)},
      {"node_count", stats.node_count},
      {"op_histogram", ops},
      {"parameters",
       {{"initializers", stats.initializer_count},
        {"count", stats.parameter_count},
        {"bytes", stats.parameter_bytes}}},
      {"compute",
       {{"macs", stats.macs},
        {"flops", stats.flops},
        {"symbolic_dims", 1},
        {"nodes_without_shapes", stats.nodes_without_shapes}}},
  };
  return j;
}

// `header`: rows printed after the model's file name.
void print_text(const ir::Graph& graph, const ModelStats& stats,
                const std::vector<std::vector<std::string>>& header) {
  std::vector<std::vector<std::string>> rows = {{"model:", graph.source}};
  rows.insert(rows.end(), header.begin(), header.end());
  if (!graph.name.empty()) rows.push_back({"graph:", graph.name});
  std::string opsets;
  for (const auto& [domain, version] : graph.opsets) {
    // The frontend records the default domain under both "" and "ai.onnx".
    if (domain == "ai.onnx" && graph.opsets.count("")) continue;
    opsets += fmt::format("{}{} {}", opsets.empty() ? "" : ", ", domain_name(domain), version);
  }
  rows.push_back({"opsets:", opsets});
  for (const ir::ValueInfo* v : graph.runtime_inputs())
    rows.push_back({"input:", fmt::format("{}  {}", v->name, ir::to_string(v->type))});
  for (const ir::ValueInfo& v : graph.outputs)
    rows.push_back({"output:", fmt::format("{}  {}", v.name, ir::to_string(v.type))});
  rows.push_back({"nodes:", std::to_string(stats.node_count)});
  rows.push_back(
      {"parameters:", fmt::format("{} ({}B in {} initializers)",
                                  human_count(static_cast<double>(stats.parameter_count)),
                                  human_count(static_cast<double>(stats.parameter_bytes)),
                                  stats.initializer_count)});
  std::string flops = fmt::format("{}FLOPs per inference ({}MACs; symbolic dims set to 1)",
                                  human_count(stats.flops), human_count(stats.macs));
  if (!stats.nodes_without_shapes.empty())
    flops += fmt::format("; {} nodes not counted (shapes unknown), first: {}",
                         stats.nodes_without_shapes.size(), stats.nodes_without_shapes[0]);
  rows.push_back({"FLOPs:", flops});
  print_table(std::cout, rows);
  std::cout << "ops:\n";
  std::vector<std::vector<std::string>> ops;
  for (const auto& [op, count] : stats.op_histogram)
    ops.push_back({"  " + op, std::to_string(count)});
  print_table(std::cout, ops);
}

nlohmann::json placement_json(const std::vector<NodePlacement>& placement) {
  nlohmann::json out = nlohmann::json::array();
  for (const NodePlacement& a : placement)
    out.push_back({{"node", a.node},
                   {"op", a.op},
                   {"device", a.device},
                   {"fused_into", a.fused_into},
                   {"reason", a.reason},
                   {"precision", a.precision}});
  return out;
}

// Per op: how many nodes run on each device (and how many are fused post-ops) and in which
// precision, then why the REF nodes are not on a faster device.
void print_placement(const std::string& device, const std::vector<NodePlacement>& placement) {
  std::map<std::string, std::map<std::string, int>> per_op;
  std::map<std::string, std::vector<NodePlacement>> of_op;
  std::map<std::string, std::vector<std::string>> ref_reasons;
  for (const NodePlacement& a : placement) {
    ++per_op[a.op][a.fused_into.empty() ? a.device : a.device + " (fused)"];
    of_op[a.op].push_back(a);
    if (a.device == "REF") ref_reasons[a.reason].push_back(a.node);
  }
  std::cout << "placement on " << device << ":\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [op, devices] : per_op) {
    std::string where;
    for (const auto& [d, n] : devices) where += fmt::format("{}{} {}", where.empty() ? "" : ", ", n, d);
    rows.push_back({"  " + op, where, precision_counts(of_op[op])});
  }
  print_table(std::cout, rows);
  for (const auto& [reason, nodes] : ref_reasons)
    std::cout << fmt::format("  on REF ({}): {}{}\n", reason, fmt::join(nodes.begin(),
                             nodes.begin() + std::min<size_t>(nodes.size(), 5), ", "),
                             nodes.size() > 5 ? fmt::format(" and {} more", nodes.size() - 5) : "");
}

// A quantized model's activations and weights: type, scales, zero points.
void print_quantization(const std::vector<QuantizedValue>& values) {
  const auto activations = std::count_if(values.begin(), values.end(),
                                         [](const QuantizedValue& v) { return !v.weight; });
  std::cout << fmt::format("quantization: {} activations, {} weights and biases\n", activations,
                           values.size() - static_cast<size_t>(activations));
  std::vector<std::vector<std::string>> rows;
  for (const QuantizedValue& v : values) {
    const auto [lo, hi] = std::minmax_element(v.scales.begin(), v.scales.end());
    const std::string scales =
        v.scales.size() == 1
            ? fmt::format("scale {:.6g}", v.scales[0])
            : fmt::format("{} scales {:.6g}..{:.6g} (axis {})", v.scales.size(), *lo, *hi, v.axis);
    const bool zero =
        std::all_of(v.zero_points.begin(), v.zero_points.end(), [](int64_t z) { return z == 0; });
    rows.push_back(
        {v.weight ? "  weight" : "  activation", v.value, v.dtype, scales,
         zero ? "zero point 0" : fmt::format("zero points {}", fmt::join(v.zero_points, ","))});
  }
  print_table(std::cout, rows);
}

nlohmann::json quantization_json(const std::vector<QuantizedValue>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (const QuantizedValue& v : values)
    out.push_back({{"value", v.value},
                   {"kind", v.weight ? "weight" : "activation"},
                   {"dtype", v.dtype},
                   {"scales", v.scales},
                   {"axis", v.axis},
                   {"zero_points", v.zero_points}});
  return out;
}

// The .zir header's provenance, as rows or JSON.
std::vector<std::vector<std::string>> zir_rows(const ir::ZirInfo& zir) {
  std::vector<std::vector<std::string>> rows = {
      {"format:", fmt::format(".zir version {}, written by {}", zir.format_version, zir.producer)},
      {"compression:", zir.compression},
      {"passes:", zir.passes.empty() ? "none" : fmt::format("{}", fmt::join(zir.passes, ", "))}};
  for (const auto& [key, value] : zir.metadata) rows.push_back({key + ":", value});
  return rows;
}

nlohmann::json zir_json(const ir::ZirInfo& zir) {
  return {{"format_version", zir.format_version}, {"producer", zir.producer},
          {"compression", zir.compression},       {"passes", zir.passes},
          {"metadata", zir.metadata}};
}

int info(const InfoOptions& options) {
  std::optional<ir::ZirInfo> zir;
  ir::Graph graph;
  if (ir::has_zir_magic(options.model))
    graph = ir::read_zir(options.model, &zir.emplace());
  else
    graph = runtime::load_graph(options.model);
  const ModelStats stats = compute_stats(graph, ir::infer_shapes(graph));
  // A model is compiled per input shapes, its shape computations folded for them; symbolic
  // dims are set to 1 so that the placement shown is the one a run gets.
  std::optional<CompiledModel> compiled;
  std::string shapes;
  const InferencePrecision precision = model_precision(options.model, options.precision);
  if (!options.device.empty()) {
    Core core;
    Model model = core.read_model(options.model);
    std::map<std::string, Shape> frozen;
    for (const Port& port : model.inputs()) {
      if (!port.has_shape) continue;
      Shape shape = port.shape;
      std::replace(shape.begin(), shape.end(), int64_t{-1}, int64_t{1});
      frozen[port.name] = shape;
      shapes += fmt::format("{}{}=[{}]", shapes.empty() ? "" : ", ", port.name, fmt::join(shape, ","));
    }
    model.reshape(frozen);
    Config config;
    config.inference_precision = precision;
    compiled = core.compile_model(model, options.device, config);
  }
  const std::vector<QuantizedValue> quantized = quantized_values(graph);
  if (options.json) {
    nlohmann::json j = info_json(graph, stats);
    if (zir) j["zir"] = zir_json(*zir);
    if (!quantized.empty()) j["quantization"] = quantization_json(quantized);
    if (compiled)
      j["placement"] = {{"device", options.device},
                        {"input_shapes", shapes},
                        {"precision", to_string(precision)},
                        {"nodes", placement_json(compiled->placement())}};
    std::cout << j.dump(2) << '\n';
  } else {
    print_text(graph, stats, zir ? zir_rows(*zir) : std::vector<std::vector<std::string>>{});
    if (!quantized.empty()) print_quantization(quantized);
    if (compiled)
      print_placement(
          fmt::format("{} for {}, precision {}", options.device, shapes, to_string(precision)),
          compiled->placement());
  }
  return 0;
}

}  // namespace

Command add_info_command(CLI::App& app) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* sub = app.add_subcommand("info", "Describe a model: inputs, outputs, ops, size, FLOPs");
  sub->add_option("model", options->model, "Model file (.onnx or .zir)")->required();
  sub->add_option("-d,--device", options->device,
                  "Also compile for DEVICE (CPU, REF, HETERO:CPU,REF) and show where each node runs");
  add_precision_option(*sub, options->precision);
  sub->add_flag("--json", options->json, "Print as JSON");
  return {sub, [options] { return info(*options); }};
}

}  // namespace zenith::tools
