// Swish fusion: a Sigmoid whose only reader multiplies it by the Sigmoid's own input.
#include "passes/swish_fusion.h"

#include "passes/pattern_util.h"

namespace zenith::passes {

ChangeCounts fuse_swishes(ir::Graph& graph) {
  const PatternGraph g(graph);
  Fusions fusions(g);
  for (const ir::Node& sigmoid : graph.nodes) {
    if (!is_op(sigmoid, "Sigmoid") || sigmoid.outputs.size() != 1) continue;
    const ir::Node* mul = g.sole_reader(sigmoid.outputs[0], "Mul");
    if (!mul || other_input(*mul, sigmoid.outputs[0]) != sigmoid.inputs[0]) continue;
    ir::Node swish = zenith_node("Swish", mul->name, {sigmoid.inputs[0]}, mul->outputs);
    swish.attributes["alpha"] = 1.0f;
    fusions.add({&sigmoid, mul}, std::move(swish));
  }
  return fusions.apply(graph, "Swish");
}

}  // namespace zenith::passes
