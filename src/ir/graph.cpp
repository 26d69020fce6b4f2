// Graph/Node helpers: type lookup, descriptions, attribute kind names.
#include "ir/graph.h"

namespace zenith::ir {

std::string_view attribute_kind_name(const Attribute& attribute) {
  return std::visit(
      [](const auto& v) { return attribute_kind_name_of<std::decay_t<decltype(v)>>(); },
      attribute);
}

std::string to_string(const TypeInfo& type) {
  switch (type.kind) {
    case TypeInfo::Kind::Tensor:
      return std::string(dtype_name(type.dtype)) +
             (type.shape ? to_string(*type.shape) : std::string("[...]"));
    case TypeInfo::Kind::Sequence:
      return "seq(" + (type.elem ? to_string(*type.elem) : std::string("?")) + ")";
    case TypeInfo::Kind::Optional:
      return "optional(" + (type.elem ? to_string(*type.elem) : std::string("?")) + ")";
  }
  return "?";
}

std::string Node::describe() const {
  return fmt::format("node '{}' ({}{}{})", name, domain, domain.empty() ? "" : ".", op_type);
}

std::optional<TypeInfo> Graph::type_of(const std::string& value) const {
  for (const ValueInfo& v : inputs)
    if (v.name == value) return v.type;
  for (const ValueInfo& v : outputs)
    if (v.name == value) return v.type;
  if (auto it = initializers.find(value); it != initializers.end())
    return TypeInfo::tensor(it->second.dtype(), to_shape(it->second.dims()));
  if (auto it = value_types.find(value); it != value_types.end()) return it->second;
  return std::nullopt;
}

std::vector<const ValueInfo*> Graph::runtime_inputs() const {
  std::vector<const ValueInfo*> out;
  for (const ValueInfo& v : inputs)
    if (!initializers.count(v.name)) out.push_back(&v);
  return out;
}

void collect_reads(const Graph& graph, std::set<std::string>& names) {
  for (const ValueInfo& v : graph.outputs) names.insert(v.name);
  for (const Node& node : graph.nodes) {
    for (const std::string& in : node.inputs)
      if (!in.empty()) names.insert(in);
    for_each_subgraph(node, [&](const Graph& g) { collect_reads(g, names); });
  }
}

std::set<std::string> names_read_by_subgraphs(const Node& node) {
  std::set<std::string> names;
  for_each_subgraph(node, [&](const Graph& g) { collect_reads(g, names); });
  return names;
}

}  // namespace zenith::ir
