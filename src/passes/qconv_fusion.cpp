// QConv fusion: Conv(DequantizeLinear(x), DequantizeLinear(w)) -> zenith.QConv.
#include "passes/qconv_fusion.h"

#include <algorithm>

#include "passes/qdq_pattern.h"

namespace zenith::passes {

ChangeCounts fuse_quantized_convs(ir::Graph& graph) {
  const PatternGraph g(graph);
  Fusions fusions(g);
  for (const ir::Node& conv : graph.nodes) {
    if (!is_op(conv, "Conv") || !conv.has_input(0) || !conv.has_input(1) ||
        conv.outputs.size() != 1)
      continue;
    const ir::Node* x = activation_dq(g, conv.inputs[0]);
    const ir::Node* w = weight_dq(g, conv.inputs[1], 0);
    if (!x || !w) continue;
    std::vector<std::string> inputs = {x->inputs[0], x->inputs[1], w->inputs[0], w->inputs[1]};
    if (conv.has_input(2)) {
      const ir::Tensor* b = constant_of(graph, conv.inputs[2]);
      if (!b || b->dtype() != ir::DType::F32) continue;
      inputs.push_back(conv.inputs[2]);
    }
    const bool zero =
        !x->has_input(2) || zero_points(graph, *x, 2, constant_of(graph, x->inputs[2])->dtype());
    if (!zero) {
      inputs.resize(5);  // B, or "" for none
      inputs.push_back(x->inputs[2]);
    }
    // A residual Add of the output and a dequantized activation: the skip stays integer.
    std::vector<const ir::Node*> nodes = {&conv};
    const ir::Node* add = g.sole_reader(conv.outputs[0], "Add");
    const ir::Node* z = add ? activation_dq(g, other_input(*add, conv.outputs[0])) : nullptr;
    if (z) {
      inputs.resize(6);  // B, X's zero point, or "" for either
      inputs.insert(inputs.end(),
                    {z->inputs[0], z->inputs[1], z->has_input(2) ? z->inputs[2] : ""});
      nodes.push_back(add);
    }
    ir::Node fused = zenith_node("QConv", conv.name, std::move(inputs), nodes.back()->outputs);
    fused.attributes = conv.attributes;
    fusions.add(nodes, std::move(fused));
  }
  return fusions.apply(graph, "QConv");
}

}  // namespace zenith::passes
