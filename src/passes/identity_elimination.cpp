// Identity elimination: pass-through nodes are removed by renaming values around them.
#include "passes/identity_elimination.h"

namespace zenith::passes {
namespace {

// Each target dim must either copy the input dim (0 without allowzero) or equal the known input
// dim. One -1 is also fine when every other dim is known and nonzero: it can then only restore
// the input's dim, whereas with a zero or unknown dim the kernel might reject the -1.
bool reshapes_to_same_shape(const ir::Graph& graph, const ir::Node& node) {
  const ir::Tensor* target = node.has_input(1) ? constant_of(graph, node.inputs[1]) : nullptr;
  const std::optional<ir::Shape> shape = declared_shape(graph, node.inputs[0]);
  if (!target || !shape || target->dtype() != ir::DType::I64 || target->rank() != 1 ||
      target->numel() != static_cast<int64_t>(shape->size()))
    return false;
  const bool allow_zero = node.attr<int64_t>("allowzero", 0) != 0;
  int inferred = 0;
  bool others_known_nonzero = true;
  for (size_t i = 0; i < shape->size(); ++i) {
    const int64_t t = target->data<int64_t>()[i];
    const ir::Dim& d = (*shape)[i];
    if (t == -1) {
      ++inferred;
      continue;
    }
    if (!(t == 0 && !allow_zero) && !(d.is_known() && d.value == t)) return false;
    others_known_nonzero = others_known_nonzero && d.is_known() && d.value > 0;
  }
  return inferred == 0 || (inferred == 1 && others_known_nonzero);
}

bool flattens_matrix(const ir::Graph& graph, const ir::Node& node) {
  const std::optional<ir::Shape> shape = declared_shape(graph, node.inputs[0]);
  const int64_t axis = node.attr<int64_t>("axis", 1);
  return shape && shape->size() == 2 && (axis == 1 || axis == -1);
}

bool pads_nothing(const ir::Graph& graph, const ir::Node& node) {
  const ir::Tensor* pads = node.has_input(1) ? constant_of(graph, node.inputs[1]) : nullptr;
  if (!pads || pads->dtype() != ir::DType::I64) return false;
  for (int64_t i = 0; i < pads->numel(); ++i)
    if (pads->data<int64_t>()[i] != 0) return false;
  return true;
}

bool passes_through(const ir::Graph& graph, const ValueUses& uses, const ir::Node& node) {
  if (!node.has_input(0) || !node.has_output(0)) return false;
  if (is_op(node, "Identity")) return true;
  if (is_op(node, "Dropout"))
    return !may_train(graph, node) && (!node.has_output(1) || uses.unused(node.outputs[1]));
  if (is_op(node, "Reshape")) return reshapes_to_same_shape(graph, node);
  if (is_op(node, "Flatten")) return flattens_matrix(graph, node);
  if (is_op(node, "Pad")) return pads_nothing(graph, node);
  return false;
}

}  // namespace

ChangeCounts eliminate_identities(ir::Graph& graph) {
  const ValueUses uses(graph);
  // Old value name -> the name that replaces it; chains of pass-through nodes make chains here.
  std::map<std::string, std::string> renamed;
  auto resolve = [&](std::string name) {
    for (auto it = renamed.find(name); it != renamed.end(); it = renamed.find(name))
      name = it->second;
    return name;
  };
  ChangeCounts removed;
  std::vector<bool> remove(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    ir::Node& node = graph.nodes[n];
    // Resolved first so the shape checks see the names whose types the graph still knows.
    for (std::string& name : node.inputs)
      if (!name.empty()) name = resolve(name);
    if (!passes_through(graph, uses, node)) continue;
    const std::string& in = node.inputs[0];
    const std::string& out = node.outputs[0];
    // A malformed graph (a value produced twice, or by its own reader) could make `renamed` a
    // cycle and resolve() loop forever.
    if (in == out || renamed.count(out) || uses.read_by_subgraph(out)) continue;
    if (uses.is_graph_output(out)) {
      // `in` is never the output of a removed node (resolve skips those), so its producer stays.
      const ptrdiff_t producer = uses.producer(in);
      if (producer < 0 || uses.is_graph_output(in) || uses.read_by_subgraph(in)) continue;
      for (std::string& name : graph.nodes[static_cast<size_t>(producer)].outputs)
        if (name == in) name = out;
      renamed[in] = out;
      graph.value_types.erase(in);
    } else {
      renamed[out] = in;
      graph.value_types.erase(out);
    }
    remove[n] = true;
    ++removed[node.op_type];
  }
  erase_nodes(graph, remove);
  // Readers between a renamed producer and the removed node still use the producer's old name.
  for (ir::Node& node : graph.nodes)
    for (std::string& name : node.inputs)
      if (!name.empty()) name = resolve(name);
  return removed;
}

}  // namespace zenith::passes
