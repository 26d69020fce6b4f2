// QMatMul fusion: MatMul / Gemm of DequantizeLinear outputs -> zenith.QMatMul.
#include "passes/qmatmul_fusion.h"

#include "passes/qdq_pattern.h"

namespace zenith::passes {
namespace {

// `value` if it is an f32 constant of dims [n], else "".
std::string bias_of(const ir::Graph& graph, const std::string& value, int64_t n) {
  const ir::Tensor* b = constant_of(graph, value);
  return b && b->dtype() == ir::DType::F32 && b->dims() == ir::Dims{n} ? value : "";
}

}  // namespace

ChangeCounts fuse_quantized_matmuls(ir::Graph& graph) {
  const PatternGraph g(graph);
  Fusions fusions(g);
  for (const ir::Node& node : graph.nodes) {
    const bool gemm = is_op(node, "Gemm");
    if ((!gemm && !is_op(node, "MatMul")) || !node.has_input(0) || !node.has_input(1) ||
        node.outputs.size() != 1)
      continue;
    if (gemm && (node.attr<float>("alpha", 1.0f) != 1.0f ||
                 node.attr<float>("beta", 1.0f) != 1.0f || node.attr<int64_t>("transA", 0) != 0))
      continue;
    const int64_t trans_b = gemm ? node.attr<int64_t>("transB", 0) : 0;
    const ir::Node* x = activation_dq(g, node.inputs[0]);
    const ir::Node* w = weight_dq(g, node.inputs[1], trans_b != 0 ? 0 : 1);
    if (!x || !w || constant_of(graph, w->inputs[0])->dims().size() != 2) continue;
    const int64_t n = constant_of(graph, w->inputs[0])->dims()[trans_b != 0 ? 0 : 1];
    std::vector<const ir::Node*> nodes = {&node};
    std::string bias;
    if (gemm && node.has_input(2)) {
      bias = bias_of(graph, node.inputs[2], n);
      if (bias.empty()) continue;
    } else if (const ir::Node* add = gemm ? nullptr : g.sole_reader(node.outputs[0], "Add")) {
      bias = bias_of(graph, other_input(*add, node.outputs[0]), n);
      if (!bias.empty()) nodes.push_back(add);
    }
    std::vector<std::string> inputs = {x->inputs[0], x->inputs[1], w->inputs[0], w->inputs[1],
                                       bias};
    if (x->has_input(2) && !zero_points(graph, *x, 2, constant_of(graph, x->inputs[2])->dtype()))
      inputs.push_back(x->inputs[2]);  // after B, "" for none
    else if (bias.empty())
      inputs.pop_back();
    ir::Node fused = zenith_node("QMatMul", node.name, std::move(inputs), nodes.back()->outputs);
    fused.attributes["transB"] = trans_b;
    fusions.add(nodes, std::move(fused));
  }
  return fusions.apply(graph, "QMatMul");
}

}  // namespace zenith::passes
