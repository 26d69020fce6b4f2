// What the graph passes share: their change counts and the queries and edits they make on a
// graph (which values are constants, who reads a value, fresh names).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace zenith::passes {

// What one pass changed, counted by label (an op type, "nodes", "initializers"). The pipeline
// adds these up over its rounds for the report `zenith convert` prints.
using ChangeCounts = std::map<std::string, size_t>;

// The initializer `name` if it is a constant: one a caller cannot override by feeding a graph
// input of the same name. nullptr otherwise.
const ir::Tensor* constant_of(const ir::Graph& graph, const std::string& name);

// The (possibly symbolic) shape the graph declares for tensor `value` as a graph input (checked
// when fed), initializer or annotated value, if it knows the rank. Graph outputs' declared shapes
// are not used: exporters often leave them static when a dim is in fact dynamic.
std::optional<ir::Shape> declared_shape(const ir::Graph& graph, const std::string& value);

// True if every runtime input is a tensor of known dims: the graph is compiled for one shape, so
// shape inference knows each value's dims rather than assuming 1 for symbolic ones.
bool all_inputs_concrete(const ir::Graph& graph);

// True if `node` is the ONNX (default domain) op `op_type`.
inline bool is_op(const ir::Node& node, std::string_view op_type) {
  return node.domain.empty() && node.op_type == op_type;
}

bool has_subgraph(const ir::Node& node);

// True for a Dropout whose training_mode input is present and not a constant false, unless its
// ratio is a constant 0: it may draw random numbers, so it is neither a constant nor a
// pass-through.
bool may_train(const ir::Graph& graph, const ir::Node& node);

// Who reads each value of one graph: its nodes, its outputs, and the subgraphs (If / Loop / Scan
// bodies) of its nodes, which may read any enclosing value by name.
class ValueUses {
 public:
  explicit ValueUses(const ir::Graph& graph);

  // Top-level node inputs that name `value`.
  size_t node_reads(const std::string& value) const;
  bool is_graph_output(const std::string& value) const { return graph_outputs_.count(value) != 0; }
  // True if some subgraph names `value`. Over-approximate (a subgraph's own values count too), so
  // a pass that refuses to touch such values stays safe.
  bool read_by_subgraph(const std::string& value) const { return captured_.count(value) != 0; }
  // Read by nothing: no node, no graph output, no subgraph.
  bool unused(const std::string& value) const;
  // The index in graph.nodes of the node producing `value`, or -1.
  ptrdiff_t producer(const std::string& value) const;

 private:
  std::map<std::string, size_t> reads_;
  std::map<std::string, size_t> producers_;
  std::set<std::string> graph_outputs_;
  std::set<std::string> captured_;
};

// Fresh value names for a graph: never one the graph or its subgraphs already use.
class NameGenerator {
 public:
  explicit NameGenerator(const ir::Graph& graph);
  // `base` itself if free, else `base_1`, `base_2`, ...
  std::string make(const std::string& base);

 private:
  std::set<std::string> taken_;
};

// A default-domain node `name` computing `output` from `inputs`, for a pass to insert.
ir::Node onnx_node(const std::string& op_type, std::string name, std::vector<std::string> inputs,
                   std::string output);

// Keeps the nodes whose flag in `remove` is false, in order. REQUIRES: one flag per node.
void erase_nodes(ir::Graph& graph, const std::vector<bool>& remove);

}  // namespace zenith::passes
