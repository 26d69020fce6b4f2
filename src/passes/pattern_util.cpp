// Pattern matching queries shared by the fusion passes.
#include "passes/pattern_util.h"

#include <cmath>

namespace zenith::passes {

PatternGraph::PatternGraph(const ir::Graph& graph) : graph_(graph), uses_(graph) {
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    for (const std::string& in : graph.nodes[n].inputs) {
      if (in.empty()) continue;
      std::vector<size_t>& r = readers_[in];
      if (r.empty() || r.back() != n) r.push_back(n);
    }
}

const ir::Node* PatternGraph::producer(const std::string& value, std::string_view op_type) const {
  const ptrdiff_t p = uses_.producer(value);
  if (p < 0) return nullptr;
  const ir::Node& node = graph_.nodes[static_cast<size_t>(p)];
  return is_op(node, op_type) && node.outputs.size() == 1 ? &node : nullptr;
}

std::vector<const ir::Node*> PatternGraph::readers(const std::string& value) const {
  std::vector<const ir::Node*> nodes;
  if (auto it = readers_.find(value); it != readers_.end())
    for (size_t n : it->second) nodes.push_back(&graph_.nodes[n]);
  return nodes;
}

bool PatternGraph::internal(const std::string& value) const {
  return !uses_.is_graph_output(value) && !uses_.read_by_subgraph(value);
}

const ir::Node* PatternGraph::sole_reader(const std::string& value,
                                          std::string_view op_type) const {
  if (!internal(value) || uses_.node_reads(value) != 1) return nullptr;
  const ir::Node* node = readers(value).front();
  return is_op(*node, op_type) && node->outputs.size() == 1 ? node : nullptr;
}

std::optional<float> PatternGraph::scalar(const std::string& value) const {
  const ir::Tensor* t = constant_of(graph_, value);
  if (!t || t->dtype() != ir::DType::F32 || t->numel() != 1) return std::nullopt;
  return *t->data<float>();
}

bool Fusions::add(const std::vector<const ir::Node*>& nodes, ir::Node fused) {
  for (const ir::Node* n : nodes)
    if (taken_[g_.index_of(*n)]) return false;
  for (const ir::Node* n : nodes) {
    taken_[g_.index_of(*n)] = true;
    if (n != nodes.back()) dropped_.insert(dropped_.end(), n->outputs.begin(), n->outputs.end());
  }
  fused_.emplace_back(g_.index_of(*nodes.back()), std::move(fused));
  return true;
}

ChangeCounts Fusions::apply(ir::Graph& graph, const std::string& label) {
  const size_t fused = fused_.size();
  std::vector<bool> remove = taken_;
  for (auto& [index, node] : fused_) {
    graph.nodes[index] = std::move(node);
    remove[index] = false;
  }
  erase_nodes(graph, remove);
  for (const std::string& value : dropped_) graph.value_types.erase(value);
  return fused == 0 ? ChangeCounts{} : ChangeCounts{{label, fused}};
}

ir::Node zenith_node(const std::string& op_type, const std::string& name,
                     std::vector<std::string> inputs, std::vector<std::string> outputs) {
  ir::Node node = onnx_node(op_type, name, std::move(inputs), "");
  node.domain = "zenith";
  node.outputs = std::move(outputs);
  return node;
}

std::string other_input(const ir::Node& node, const std::string& value) {
  if (node.inputs.size() != 2) return "";
  if (node.inputs[0] == value) return node.inputs[1];
  if (node.inputs[1] == value) return node.inputs[0];
  return "";
}

bool nearly(float actual, double expected) {
  return std::fabs(actual - expected) <= 1e-6 * std::fabs(expected);
}

}  // namespace zenith::passes
