// expand_zenith_ops: zenith.Attention / Gelu / Swish -> ONNX nodes.
#include "passes/zenith_op_expansion.h"

#include <cmath>

namespace zenith::passes {
namespace {

// Appends the nodes of one expansion, naming new values and constants after the fused node.
class Expansion {
 public:
  Expansion(ir::Graph& graph, NameGenerator& names, const ir::Node& node,
            std::vector<ir::Node>& out)
      : graph_(graph), names_(names), node_(node), out_(out) {}

  // A node computing `op_type` of `inputs` into a new value (or into `output`); its name.
  std::string add(const char* op_type, std::vector<std::string> inputs, std::string output = "") {
    if (output.empty()) output = names_.make(node_.name + "/" + op_type);
    out_.push_back(
        onnx_node(op_type, names_.make(node_.name + "/" + op_type), std::move(inputs), output));
    return output;
  }
  // A scalar f32 constant.
  std::string constant(float value) {
    const std::string name = names_.make(node_.name + "/constant");
    graph_.initializers[name] = ir::Tensor::scalar(value);
    return name;
  }
  ir::Node& last() { return out_.back(); }

 private:
  ir::Graph& graph_;
  NameGenerator& names_;
  const ir::Node& node_;
  std::vector<ir::Node>& out_;
};

void expand_attention(const ir::Node& n, Expansion& e) {
  std::string scores = e.add("MatMul", {n.inputs[0], n.inputs[1]});
  if (const float scale = n.attr<float>("scale", 1.0f); scale != 1.0f)
    scores = e.add("Mul", {scores, e.constant(scale)});
  if (n.has_input(3)) scores = e.add("Add", {scores, n.inputs[3]});
  const std::string p = e.add("Softmax", {scores});
  e.last().attributes["axis"] = int64_t{-1};
  e.add("MatMul", {p, n.inputs[2]}, n.outputs[0]);
}

void expand_gelu(const ir::Node& n, Expansion& e) {
  const std::string& x = n.inputs[0];
  std::string inner;
  if (n.attr<std::string>("approximate", "none") == "tanh") {
    const std::string cube = e.add("Mul", {e.add("Mul", {x, x}), x});
    const std::string sum = e.add("Add", {x, e.add("Mul", {cube, e.constant(0.044715f)})});
    inner = e.add("Tanh",
                  {e.add("Mul", {sum, e.constant(std::sqrt(2.0f / static_cast<float>(M_PI)))})});
  } else {
    inner = e.add("Erf", {e.add("Div", {x, e.constant(std::sqrt(2.0f))})});
  }
  const std::string half_x = e.add("Mul", {x, e.constant(0.5f)});
  e.add("Mul", {half_x, e.add("Add", {inner, e.constant(1.0f)})}, n.outputs[0]);
}

void expand_swish(const ir::Node& n, Expansion& e) {
  const std::string& x = n.inputs[0];
  const float alpha = n.attr<float>("alpha", 1.0f);
  const std::string scaled = alpha == 1.0f ? x : e.add("Mul", {x, e.constant(alpha)});
  e.add("Mul", {x, e.add("Sigmoid", {scaled})}, n.outputs[0]);
}

}  // namespace

ChangeCounts expand_zenith_ops(ir::Graph& graph) {
  NameGenerator names(graph);
  ChangeCounts changes;
  std::vector<ir::Node> out;
  for (ir::Node& node : graph.nodes) {
    Expansion e(graph, names, node, out);
    if (node.domain == "zenith" && node.op_type == "Attention")
      expand_attention(node, e);
    else if (node.domain == "zenith" && node.op_type == "Gelu")
      expand_gelu(node, e);
    else if (node.domain == "zenith" && node.op_type == "Swish")
      expand_swish(node, e);
    else {
      out.push_back(std::move(node));
      continue;
    }
    ++changes[node.op_type];
  }
  graph.nodes = std::move(out);
  return changes;
}

}  // namespace zenith::passes
