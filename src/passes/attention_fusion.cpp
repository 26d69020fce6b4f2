// Attention fusion: matched forward from the first MatMul.
#include "passes/attention_fusion.h"

#include "passes/pattern_util.h"

namespace zenith::passes {
namespace {

// The node alone reading `value` if it is one of `ops`, else nullptr.
const ir::Node* next_of(const PatternGraph& g, const std::string& value,
                        std::initializer_list<std::string_view> ops) {
  for (std::string_view op : ops)
    if (const ir::Node* node = g.sole_reader(value, op)) return node;
  return nullptr;
}

}  // namespace

ChangeCounts fuse_attention(ir::Graph& graph) {
  const PatternGraph g(graph);
  Fusions fusions(g);
  for (const ir::Node& qk : graph.nodes) {
    if (!is_op(qk, "MatMul") || qk.outputs.size() != 1) continue;
    std::vector<const ir::Node*> nodes = {&qk};
    float scale = 1.0f;
    std::string mask;
    const ir::Node* next = next_of(g, qk.outputs[0], {"Mul", "Div", "Add", "Softmax"});
    if (next && (is_op(*next, "Mul") || is_op(*next, "Div"))) {
      const std::string c = other_input(*next, nodes.back()->outputs[0]);
      const auto value = g.scalar(c);
      const bool divisor_ok = is_op(*next, "Mul") || next->inputs[1] == c;
      if (!value || *value == 0.0f || !divisor_ok) continue;
      scale = is_op(*next, "Mul") ? *value : 1.0f / *value;
      nodes.push_back(next);
      next = next_of(g, next->outputs[0], {"Add", "Softmax"});
    }
    if (next && is_op(*next, "Add")) {
      mask = other_input(*next, nodes.back()->outputs[0]);
      if (mask == nodes.back()->outputs[0]) continue;  // s + s is no mask
      nodes.push_back(next);
      next = next_of(g, next->outputs[0], {"Softmax"});
    }
    if (!next || !is_op(*next, "Softmax") || next->attr<int64_t>("axis", -1) != -1) continue;
    nodes.push_back(next);
    const ir::Node* pv = g.sole_reader(next->outputs[0], "MatMul");
    if (!pv || pv->inputs[0] != next->outputs[0]) continue;
    nodes.push_back(pv);
    ir::Node attention =
        zenith_node("Attention", qk.name, {qk.inputs[0], qk.inputs[1], pv->inputs[1]}, pv->outputs);
    if (!mask.empty()) attention.inputs.push_back(mask);
    attention.attributes["scale"] = scale;
    fusions.add(nodes, std::move(attention));
  }
  return fusions.apply(graph, "Attention");
}

}  // namespace zenith::passes
