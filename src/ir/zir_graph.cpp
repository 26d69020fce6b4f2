// The "graph" object of a .zir header: names, types, nodes and attributes, recursively.
#include "ir/zir_graph.h"

namespace zenith::ir::zir {
namespace {

TypeInfo read_type(const JsonField& field, int depth);

Dim read_dim(const JsonField& field) {
  if (field.is_null()) return Dim{};
  if (field.is_string()) return Dim::named(field.as_string());
  const int64_t value = field.as_int();
  if (value < 0) field.fail("negative dimension {}", value);
  return Dim(value);
}

TypeInfo read_tensor_type(const JsonField& field) {
  TypeInfo type;
  const JsonField dtype = field.member("dtype");
  const std::optional<DType> known = dtype_from_name(dtype.as_string());
  if (!known) dtype.fail("unknown dtype '{}'", dtype.as_string());
  type.dtype = *known;
  const JsonField shape = field.member("shape");
  if (!shape.is_null()) {
    type.shape.emplace();
    for (const JsonField& dim : shape.items()) type.shape->push_back(read_dim(dim));
  }
  return type;
}

TypeInfo read_type(const JsonField& field, int depth) {
  if (depth > kMaxNesting) field.fail("types nest deeper than {} levels", kMaxNesting);
  const JsonField kind = field.member("kind");
  const std::string name = kind.as_string();
  if (name == "tensor") return read_tensor_type(field);
  if (name != "sequence" && name != "optional")
    kind.fail("unknown kind '{}' (expected tensor, sequence or optional)", name);
  TypeInfo type;
  type.kind = name == "sequence" ? TypeInfo::Kind::Sequence : TypeInfo::Kind::Optional;
  const JsonField elem = field.member("elem");
  if (!elem.is_null()) type.elem = std::make_shared<const TypeInfo>(read_type(elem, depth + 1));
  return type;
}

std::vector<ValueInfo> read_value_infos(const JsonField& field) {
  std::vector<ValueInfo> out;
  for (const JsonField& item : field.items())
    out.push_back({item.member("name").as_string(), read_type(item.member("type"), 0)});
  return out;
}

class Decoder {
 public:
  Decoder(std::span<const Tensor> constants, int depth) : constants_(constants), depth_(depth) {}

  Graph graph(const JsonField& field) const {
    if (depth_ > kMaxNesting) field.fail("subgraphs nest deeper than {} levels", kMaxNesting);
    Graph g;
    g.name = field.member("name").as_string();
    for (const auto& [domain, version] : field.member("opsets").members())
      g.opsets[domain] = version.as_int();
    g.inputs = read_value_infos(field.member("inputs"));
    g.outputs = read_value_infos(field.member("outputs"));
    for (const auto& [name, type] : field.member("value_types").members())
      g.value_types[name] = read_type(type, 0);
    for (const auto& [name, index] : field.member("initializers").members())
      g.initializers[name] = constant(index);
    for (const JsonField& item : field.member("nodes").items()) g.nodes.push_back(node(item));
    return g;
  }

 private:
  Node node(const JsonField& field) const {
    Node n;
    n.name = field.member("name").as_string();
    n.op_type = field.member("op_type").as_string();
    n.domain = field.member("domain").as_string();
    n.inputs = field.member("inputs").as_strings();
    n.outputs = field.member("outputs").as_strings();
    for (const auto& [key, value] : field.member("attributes").members())
      n.attributes[key] = attribute(value);
    return n;
  }

  Attribute attribute(const JsonField& field) const {
    const JsonField type = field.member("type");
    const std::string kind = type.as_string();
    const JsonField value = field.member("value");
    if (kind == "int") return value.as_int();
    if (kind == "float") return value.as_float();
    if (kind == "string") return value.as_string();
    if (kind == "tensor") return constant(value);
    if (kind == "graph") return subgraph(value);
    if (kind == "ints") return list<int64_t>(value, [](const JsonField& f) { return f.as_int(); });
    if (kind == "floats")
      return list<float>(value, [](const JsonField& f) { return f.as_float(); });
    if (kind == "strings") return value.as_strings();
    if (kind == "tensors")
      return list<Tensor>(value, [this](const JsonField& f) { return constant(f); });
    if (kind == "graphs")
      return list<GraphPtr>(value, [this](const JsonField& f) { return subgraph(f); });
    type.fail(
        "unknown attribute type '{}' (expected int, float, string, tensor, graph, ints, floats, "
        "strings, tensors or graphs)",
        kind);
  }

  template <typename T, typename F>
  static std::vector<T> list(const JsonField& field, F&& read) {
    std::vector<T> out;
    for (const JsonField& item : field.items()) out.push_back(read(item));
    return out;
  }

  Tensor constant(const JsonField& field) const {
    const uint64_t index = field.as_uint();
    if (index >= constants_.size())
      field.fail("constant {} does not exist (the table has {})", index, constants_.size());
    return constants_[index];
  }

  GraphPtr subgraph(const JsonField& field) const {
    return std::make_shared<const Graph>(Decoder(constants_, depth_ + 1).graph(field));
  }

  std::span<const Tensor> constants_;
  int depth_;
};

}  // namespace

Graph decode_graph(const JsonField& field, std::span<const Tensor> constants) {
  return Decoder(constants, 0).graph(field);
}

}  // namespace zenith::ir::zir
