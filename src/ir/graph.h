// Graph, Node and ValueInfo: the IR every layer shares. Ops keep ONNX semantics in one
// canonical form per op (the frontend normalizes opset differences).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/attribute.h"
#include "ir/shape.h"
#include "ir/tensor.h"

namespace zenith::ir {

// The static type of a graph edge.
struct TypeInfo {
  enum class Kind { Tensor, Sequence, Optional };
  Kind kind = Kind::Tensor;
  DType dtype = DType::Undefined;       // Tensor: element type
  std::optional<Shape> shape;           // Tensor: nullopt when the rank is unknown
  std::shared_ptr<const TypeInfo> elem;  // Sequence / Optional: the contained type

  static TypeInfo tensor(DType dtype, std::optional<Shape> shape = std::nullopt) {
    return TypeInfo{Kind::Tensor, dtype, std::move(shape), nullptr};
  }
};
std::string to_string(const TypeInfo& type);  // "f32[batch,3,224,224]", "seq(f32[?])"

struct ValueInfo {
  std::string name;
  TypeInfo type;
};

struct Node {
  std::string name;     // may be empty in ONNX; the frontend fills a unique one
  std::string op_type;  // ONNX op type, e.g. "Conv"
  std::string domain;   // "" for the default ONNX domain
  std::vector<std::string> inputs;   // value names; "" marks an absent optional input
  std::vector<std::string> outputs;  // value names; "" marks an unused optional output
  std::map<std::string, Attribute> attributes;

  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
  bool has_output(size_t i) const { return i < outputs.size() && !outputs[i].empty(); }
  bool has_attr(const std::string& key) const { return attributes.count(key) != 0; }

  // The attribute `key` as T, or `fallback` when absent. Throws InvalidModel if it has
  // another type.
  template <typename T>
  T attr(const std::string& key, T fallback) const {
    auto it = attributes.find(key);
    return it == attributes.end() ? fallback : get<T>(key, it->second);
  }
  // The required attribute `key`; throws InvalidModel if absent or of another type.
  template <typename T>
  T attr(const std::string& key) const {
    auto it = attributes.find(key);
    if (it == attributes.end())
      throw_invalid_model("required attribute '{}' ({}) is missing", key,
                          attribute_kind_name_of<T>());
    return get<T>(key, it->second);
  }

  // "node 'conv_1' (Conv)": the prefix of every message about this node.
  std::string describe() const;

 private:
  template <typename T>
  static T get(const std::string& key, const Attribute& value) {
    if (const T* p = std::get_if<T>(&value)) return *p;
    throw_invalid_model("attribute '{}' is of type {}, expected {}", key,
                        attribute_kind_name(value), attribute_kind_name_of<T>());
  }
};

class Graph {
 public:
  std::string name;
  std::string source;  // file the graph came from, for error messages
  std::vector<Node> nodes;  // topologically sorted
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  std::map<std::string, Tensor> initializers;   // constants by value name
  std::map<std::string, TypeInfo> value_types;  // known types of intermediate values
  std::map<std::string, int64_t> opsets;        // domain -> opset version of the source model

  // The type of `value` if the graph knows it (input, output, initializer or annotated).
  std::optional<TypeInfo> type_of(const std::string& value) const;
  // Names of the graph inputs that are not initializers: what a caller must feed.
  std::vector<const ValueInfo*> runtime_inputs() const;
};

// Calls fn(graph) for each subgraph attribute of `node` (If / Loop / Scan bodies), not deeper.
template <typename Fn>
void for_each_subgraph(const Node& node, Fn&& fn) {
  for (const auto& [key, attr] : node.attributes) {
    if (const auto* g = std::get_if<GraphPtr>(&attr)) fn(**g);
    if (const auto* gs = std::get_if<std::vector<GraphPtr>>(&attr))
      for (const GraphPtr& g : *gs) fn(*g);
  }
}

// Every name the subgraphs of `graph`'s nodes, and `graph` itself, read (node inputs and graph
// outputs), at any depth, added to `names`.
void collect_reads(const Graph& graph, std::set<std::string>& names);

// Every name a subgraph of `node` (at any depth) reads: node inputs and subgraph outputs. A body
// may read any value of the enclosing graphs by name: these are the ones it can.
std::set<std::string> names_read_by_subgraphs(const Node& node);

}  // namespace zenith::ir
