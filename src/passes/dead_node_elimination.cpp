// Dead node elimination: a backward liveness sweep from the graph outputs.
#include "passes/dead_node_elimination.h"

namespace zenith::passes {

ChangeCounts eliminate_dead_nodes(ir::Graph& graph) {
  std::set<std::string> live;
  for (const ir::ValueInfo& v : graph.outputs) live.insert(v.name);
  // Nodes are in topological order, so walking backwards sees every reader of a value before
  // the value's producer.
  std::vector<bool> remove(graph.nodes.size(), true);
  for (size_t n = graph.nodes.size(); n-- > 0;) {
    const ir::Node& node = graph.nodes[n];
    for (const std::string& out : node.outputs)
      if (!out.empty() && live.count(out)) remove[n] = false;
    if (remove[n]) continue;
    for (const std::string& in : node.inputs)
      if (!in.empty()) live.insert(in);
    live.merge(ir::names_read_by_subgraphs(node));
  }
  ChangeCounts removed;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    if (!remove[n]) continue;
    for (const std::string& out : graph.nodes[n].outputs) graph.value_types.erase(out);
    ++removed["nodes"];
  }
  erase_nodes(graph, remove);
  std::set<std::string> inputs;
  for (const ir::ValueInfo& v : graph.inputs) inputs.insert(v.name);
  for (auto it = graph.initializers.begin(); it != graph.initializers.end();) {
    if (live.count(it->first) || inputs.count(it->first)) {
      ++it;
      continue;
    }
    it = graph.initializers.erase(it);
    ++removed["initializers"];
  }
  return removed;
}

}  // namespace zenith::passes
