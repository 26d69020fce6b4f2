// Shape folding: trust flows forward from Shape nodes and integer constants only.
#include "passes/shape_folding.h"

#include <set>
#include <string_view>

#include "ir/shape_inference.h"

namespace zenith::passes {
namespace {

// Ops whose output is a function of their inputs' values alone, with the dtype of input 0.
const std::set<std::string_view> kValueOps = {"Add",      "Concat", "Div",      "Gather",
                                              "Identity", "Mul",    "Reshape",  "Slice",
                                              "Squeeze",  "Sub",    "Unsqueeze"};

// A value known from shapes and constants alone. (A local type: a std::map of an IR type would
// be instantiated, and exported, in every library that links this one.)
struct Trusted {
  ir::DType dtype;
};

// The dtypes shape computations use.
bool is_shape_dtype(ir::DType dtype) { return dtype == ir::DType::I64 || dtype == ir::DType::I32; }

}  // namespace

ChangeCounts fold_shapes(ir::Graph& graph) {
  ChangeCounts folded;
  if (!all_inputs_concrete(graph)) return folded;
  const ir::ShapeFacts facts = ir::infer_shape_facts(graph);
  // Values known from shapes and constants alone, with their dtype.
  std::map<std::string, Trusted> trusted;
  for (const auto& [name, tensor] : graph.initializers)
    if (constant_of(graph, name) && is_shape_dtype(tensor.dtype()) && facts.values.count(name))
      trusted[name] = {tensor.dtype()};
  const ValueUses uses(graph);
  std::vector<bool> remove(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    if (!node.domain.empty() || node.outputs.size() != 1 || node.outputs[0].empty()) continue;
    const std::string& out = node.outputs[0];
    const auto value = facts.values.find(out);
    const auto dims = facts.dims.find(out);
    if (value == facts.values.end() || dims == facts.dims.end() || uses.is_graph_output(out))
      continue;
    bool inputs_trusted = true;
    for (const std::string& in : node.inputs)
      inputs_trusted = inputs_trusted && (in.empty() || trusted.count(in));
    std::optional<ir::DType> dtype;
    if (node.op_type == "Shape") {
      dtype = ir::DType::I64;
    } else if (node.op_type == "Cast" && inputs_trusted) {
      const ir::DType to = ir::dtype_from_onnx_code(node.attr<int64_t>("to"), "Cast's 'to'");
      if (is_shape_dtype(to)) dtype = to;
    } else if (kValueOps.count(node.op_type) && inputs_trusted && node.has_input(0)) {
      dtype = trusted.at(node.inputs[0]).dtype;
    }
    if (!dtype || dims->second.size() > 1) continue;
    ir::Tensor tensor(*dtype, dims->second);
    if (tensor.numel() != static_cast<int64_t>(value->second.size())) continue;
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      if (*dtype == ir::DType::I64)
        tensor.data<int64_t>()[i] = value->second[static_cast<size_t>(i)];
      else
        tensor.data<int32_t>()[i] = static_cast<int32_t>(value->second[static_cast<size_t>(i)]);
    }
    graph.initializers[out] = std::move(tensor);
    graph.value_types.erase(out);
    trusted[out] = {*dtype};
    remove[n] = true;
    ++folded[node.op_type];
  }
  erase_nodes(graph, remove);
  return folded;
}

}  // namespace zenith::passes
