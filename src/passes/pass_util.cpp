// Graph queries and edits shared by the passes.
#include "passes/pass_util.h"

#include "ir/errors.h"

namespace zenith::passes {
namespace {

void collect_all_names(const ir::Graph& graph, std::set<std::string>& names) {
  for (const ir::ValueInfo& v : graph.inputs) names.insert(v.name);
  for (const auto& [name, tensor] : graph.initializers) names.insert(name);
  for (const auto& [name, type] : graph.value_types) names.insert(name);
  ir::collect_reads(graph, names);
  for (const ir::Node& node : graph.nodes) {
    names.insert(node.outputs.begin(), node.outputs.end());
    ir::for_each_subgraph(node, [&](const ir::Graph& g) { collect_all_names(g, names); });
  }
}

}  // namespace

const ir::Tensor* constant_of(const ir::Graph& graph, const std::string& name) {
  auto it = graph.initializers.find(name);
  if (it == graph.initializers.end()) return nullptr;
  for (const ir::ValueInfo& input : graph.inputs)
    if (input.name == name) return nullptr;
  return &it->second;
}

bool all_inputs_concrete(const ir::Graph& graph) {
  for (const ir::ValueInfo* v : graph.runtime_inputs())
    if (v->type.kind != ir::TypeInfo::Kind::Tensor || !v->type.shape ||
        !ir::to_dims(*v->type.shape))
      return false;
  return true;
}

std::optional<ir::Shape> declared_shape(const ir::Graph& graph, const std::string& value) {
  const ir::TypeInfo* type = nullptr;
  for (const ir::ValueInfo& input : graph.inputs)
    if (input.name == value) type = &input.type;
  if (!type) {
    if (auto it = graph.initializers.find(value); it != graph.initializers.end())
      return ir::to_shape(it->second.dims());
    if (auto it = graph.value_types.find(value); it != graph.value_types.end()) type = &it->second;
  }
  if (!type || type->kind != ir::TypeInfo::Kind::Tensor) return std::nullopt;
  return type->shape;
}

bool has_subgraph(const ir::Node& node) {
  bool found = false;
  ir::for_each_subgraph(node, [&](const ir::Graph&) { found = true; });
  return found;
}

bool may_train(const ir::Graph& graph, const ir::Node& node) {
  if (!is_op(node, "Dropout") || !node.has_input(2)) return false;
  // A ratio of 0 drops nothing even in training mode: torchvision's Swin exports its
  // attention dropout (p = 0) with training_mode true.
  const ir::Tensor* ratio = node.has_input(1) ? constant_of(graph, node.inputs[1]) : nullptr;
  if (ratio && ratio->dtype() == ir::DType::F32 && ratio->numel() == 1 &&
      *ratio->data<float>() == 0.0f)
    return false;
  const ir::Tensor* mode = constant_of(graph, node.inputs[2]);
  return !mode || mode->dtype() != ir::DType::Bool || mode->numel() != 1 || *mode->data<bool>();
}

ValueUses::ValueUses(const ir::Graph& graph) {
  for (const ir::ValueInfo& v : graph.outputs) graph_outputs_.insert(v.name);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    for (const std::string& in : node.inputs)
      if (!in.empty()) ++reads_[in];
    for (const std::string& out : node.outputs)
      if (!out.empty()) producers_[out] = n;
    ir::for_each_subgraph(node, [&](const ir::Graph& g) { ir::collect_reads(g, captured_); });
  }
}

size_t ValueUses::node_reads(const std::string& value) const {
  auto it = reads_.find(value);
  return it == reads_.end() ? 0 : it->second;
}

bool ValueUses::unused(const std::string& value) const {
  return node_reads(value) == 0 && !is_graph_output(value) && !read_by_subgraph(value);
}

ptrdiff_t ValueUses::producer(const std::string& value) const {
  auto it = producers_.find(value);
  return it == producers_.end() ? -1 : static_cast<ptrdiff_t>(it->second);
}

NameGenerator::NameGenerator(const ir::Graph& graph) { collect_all_names(graph, taken_); }

std::string NameGenerator::make(const std::string& base) {
  std::string name = base;
  for (int i = 1; taken_.count(name); ++i) name = fmt::format("{}_{}", base, i);
  taken_.insert(name);
  return name;
}

void erase_nodes(ir::Graph& graph, const std::vector<bool>& remove) {
  ZENITH_ASSERT(remove.size() == graph.nodes.size());
  std::vector<ir::Node> kept;
  kept.reserve(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (!remove[n]) kept.push_back(std::move(graph.nodes[n]));
  graph.nodes = std::move(kept);
}

ir::Node onnx_node(const std::string& op_type, std::string name, std::vector<std::string> inputs,
                   std::string output) {
  ir::Node node;
  node.op_type = op_type;
  node.name = std::move(name);
  node.inputs = std::move(inputs);
  node.outputs = {std::move(output)};
  return node;
}

}  // namespace zenith::passes
