// Constant folding: nodes of constants, and shapes known before run time, become initializers.
#include "passes/constant_folding.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "devices/reference/interpreter.h"
#include "ir/errors.h"

namespace zenith::passes {
namespace {

// Ops whose outputs are not a function of their inputs alone.
bool is_random(const ir::Node& node) {
  static const std::set<std::string> kRandomOps = {"Bernoulli",     "Multinomial",
                                                   "RandomNormal",  "RandomNormalLike",
                                                   "RandomUniform", "RandomUniformLike"};
  return node.domain.empty() && kRandomOps.count(node.op_type) != 0;
}

bool is_graph_input(const ir::Graph& graph, const std::string& name) {
  return std::any_of(graph.inputs.begin(), graph.inputs.end(),
                     [&](const ir::ValueInfo& v) { return v.name == name; });
}

// Shape of a value whose declared dims are all known: no need to wait for the value itself.
std::optional<ir::Tensor> static_shape(const ir::Graph& graph, const ir::Node& node) {
  if (!is_op(node, "Shape") || !node.has_input(0)) return std::nullopt;
  const std::optional<ir::Shape> declared = declared_shape(graph, node.inputs[0]);
  const std::optional<ir::Dims> dims = declared ? ir::to_dims(*declared) : std::nullopt;
  if (!dims) return std::nullopt;
  const auto rank = static_cast<int64_t>(dims->size());
  // Opset 15: negative start/end count from the end; both clamp to [0, rank].
  auto clamp_axis = [rank](int64_t a) {
    return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank);
  };
  const int64_t start = clamp_axis(node.attr<int64_t>("start", 0));
  const int64_t end = std::max(start, clamp_axis(node.attr<int64_t>("end", rank)));
  ir::Tensor shape(ir::DType::I64, {end - start});
  std::copy(dims->begin() + start, dims->begin() + end, shape.data<int64_t>());
  return shape;
}

// True for a DequantizeLinear of a constant 8-bit weight that a Conv reads, or of a 2-D s8 one
// that a MatMul or Gemm reads, as its weight: it stays, for qconv_fusion / qmatmul_fusion to hand
// the integers to an integer kernel. Folding it would store the weight as f32 again. Others fold:
// an i32 bias, and weights of ops no integer kernel takes, which would otherwise be dequantized on
// every run.
bool integer_weight(const ir::Graph& graph, const ir::Node& node) {
  if (!is_op(node, "DequantizeLinear") || !node.has_input(0) || node.outputs.size() != 1)
    return false;
  const ir::Tensor* q = constant_of(graph, node.inputs[0]);
  if (!q || (q->dtype() != ir::DType::I8 && q->dtype() != ir::DType::U8)) return false;
  return std::any_of(graph.nodes.begin(), graph.nodes.end(), [&](const ir::Node& reader) {
    const bool linear = is_op(reader, "MatMul") || is_op(reader, "Gemm");
    return (is_op(reader, "Conv") ||
            (linear && q->dtype() == ir::DType::I8 && q->dims().size() == 2)) &&
           reader.inputs.size() > 1 && reader.inputs[1] == node.outputs[0];
  });
}

// The node's outputs computed by the REF kernel on its constant inputs, or nothing if the kernel
// fails or an output is not a tensor or is too big.
std::optional<std::vector<ir::Tensor>> evaluate(const ir::Graph& graph, const ir::Node& node,
                                                size_t max_output_bytes) {
  ir::Graph single;
  single.source = graph.source;
  single.opsets = graph.opsets;
  for (const std::string& in : node.inputs)
    if (!in.empty()) single.initializers[in] = *constant_of(graph, in);
  single.nodes.push_back(node);
  for (const std::string& out : node.outputs)
    if (!out.empty()) single.outputs.push_back({out, {}});
  std::vector<ir::Value> values;
  try {
    values = ref::Interpreter().run(single, {});
  } catch (const Error&) {
    return std::nullopt;
  }
  std::vector<ir::Tensor> tensors;
  for (const ir::Value& value : values) {
    if (!value.is_tensor() || value.tensor().size_bytes() > max_output_bytes) return std::nullopt;
    tensors.push_back(value.tensor());
  }
  return tensors;
}

// The values of the node's named outputs, in order, if it can be folded.
std::optional<std::vector<ir::Tensor>> fold(const ir::Graph& graph, const ir::Node& node,
                                            size_t max_output_bytes) {
  if (has_subgraph(node) || is_random(node) || may_train(graph, node)) return std::nullopt;
  if (integer_weight(graph, node)) return std::nullopt;
  for (const std::string& out : node.outputs)
    if (graph.initializers.count(out) || is_graph_input(graph, out)) return std::nullopt;
  if (std::optional<ir::Tensor> shape = static_shape(graph, node)) {
    if (node.outputs.size() != 1) return std::nullopt;
    return std::vector<ir::Tensor>{*shape};
  }
  for (const std::string& in : node.inputs)
    if (!in.empty() && !constant_of(graph, in)) return std::nullopt;
  return evaluate(graph, node, max_output_bytes);
}

}  // namespace

ChangeCounts fold_constants(ir::Graph& graph, size_t max_output_bytes) {
  ChangeCounts folded;
  std::vector<bool> remove(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    std::optional<std::vector<ir::Tensor>> values = fold(graph, node, max_output_bytes);
    if (!values) continue;
    size_t next = 0;
    for (const std::string& out : node.outputs)
      if (!out.empty()) graph.initializers[out] = (*values)[next++];
    remove[n] = true;
    ++folded[node.op_type];
  }
  erase_nodes(graph, remove);
  return folded;
}

}  // namespace zenith::passes
