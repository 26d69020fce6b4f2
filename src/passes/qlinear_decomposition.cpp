// QLinearConv / QLinearMatMul -> DequantizeLinear, Conv / MatMul, QuantizeLinear.
#include "passes/qlinear_decomposition.h"

namespace zenith::passes {
namespace {

// The node that writes `output` from `inputs`, named after the node it came from.
ir::Node make(const ir::Node& from, const char* op_type, std::vector<std::string> inputs,
              std::string output) {
  return onnx_node(op_type, from.name + "/" + op_type, std::move(inputs), std::move(output));
}

// A node's input `i`, or "" when it is absent.
std::string input(const ir::Node& node, size_t i) {
  return node.has_input(i) ? node.inputs[i] : "";
}

// DequantizeLinear(value, scale[, zero point]) along `axis` into a fresh value.
std::string dequantized(const ir::Node& from, const std::string& value, const std::string& scale,
                        const std::string& zero_point, int64_t axis, NameGenerator& names,
                        std::vector<ir::Node>& out) {
  std::vector<std::string> inputs = {value, scale};
  if (!zero_point.empty()) inputs.push_back(zero_point);
  ir::Node dq =
      make(from, "DequantizeLinear", std::move(inputs), names.make(value + "/dequantized"));
  dq.attributes["axis"] = axis;
  out.push_back(dq);
  return dq.outputs[0];
}

}  // namespace

ChangeCounts decompose_qlinear_ops(ir::Graph& graph) {
  ChangeCounts counts;
  NameGenerator names(graph);
  std::vector<ir::Node> nodes;
  for (ir::Node& node : graph.nodes) {
    const bool conv = is_op(node, "QLinearConv");
    if (!conv && !is_op(node, "QLinearMatMul")) {
      nodes.push_back(std::move(node));
      continue;
    }
    // QLinearMatMul's B scale per column is along axis 1 of a 2-D B; of a batched B it is not
    // one DequantizeLinear axis.
    const ir::Tensor* b_scale = constant_of(graph, input(node, 4));
    const auto b_dims = graph.type_of(input(node, 3));
    if (!conv && !(b_scale && b_scale->numel() == 1) &&
        !(b_dims && b_dims->shape && b_dims->shape->size() == 2)) {
      nodes.push_back(std::move(node));
      continue;
    }
    std::vector<ir::Node> out;
    const std::string x =
        dequantized(node, node.inputs[0], node.inputs[1], input(node, 2), 1, names, out);
    const std::string w =
        dequantized(node, node.inputs[3], node.inputs[4], input(node, 5), conv ? 0 : 1, names, out);
    ir::Node product =
        make(node, conv ? "Conv" : "MatMul", {x, w}, names.make(node.outputs[0] + "/f32"));
    if (conv) {
      product.attributes = node.attributes;
      if (node.has_input(8)) {  // i32 B at scale sx * sw, zero point 0
        ir::Node scale = make(node, "Mul", {node.inputs[1], node.inputs[4]},
                              names.make(node.inputs[8] + "/scale"));
        out.push_back(scale);
        product.inputs.push_back(
            dequantized(node, node.inputs[8], scale.outputs[0], "", 0, names, out));
      }
    }
    std::vector<std::string> q_inputs = {product.outputs[0], node.inputs[6]};
    if (node.has_input(7)) q_inputs.push_back(node.inputs[7]);
    out.push_back(product);
    out.push_back(make(node, "QuantizeLinear", std::move(q_inputs), node.outputs[0]));
    ++counts[node.op_type];
    for (ir::Node& n : out) nodes.push_back(std::move(n));
  }
  graph.nodes = std::move(nodes);
  return counts;
}

}  // namespace zenith::passes
