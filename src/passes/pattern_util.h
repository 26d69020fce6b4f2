// What the fusion passes ask of a graph while matching a pattern: who produces and who reads a
// value, which values are private to the pattern, and which inputs are scalar constants.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

class PatternGraph {
 public:
  // REQUIRES: `graph` is not changed while this object is used.
  explicit PatternGraph(const ir::Graph& graph);

  const ir::Graph& graph() const { return graph_; }
  // The index in graph.nodes of `node`, which must be one of its nodes.
  size_t index_of(const ir::Node& node) const {
    return static_cast<size_t>(&node - graph_.nodes.data());
  }

  // The node producing `value` if it is the ONNX op `op_type` with one output, else nullptr.
  const ir::Node* producer(const std::string& value, std::string_view op_type) const;
  // The top-level nodes reading `value`, once per node, in graph order.
  std::vector<const ir::Node*> readers(const std::string& value) const;
  // True if nothing outside the nodes reading it sees `value`: not a graph output, not read by
  // a subgraph. A fusion may then drop it once it owns all its readers.
  bool internal(const std::string& value) const;
  // The node alone reading `value` (internal, read by one node input) if it is the ONNX op
  // `op_type` with one output, else nullptr.
  const ir::Node* sole_reader(const std::string& value, std::string_view op_type) const;
  // The value of a one-element f32 constant, else nullopt.
  std::optional<float> scalar(const std::string& value) const;

 private:
  const ir::Graph& graph_;
  ValueUses uses_;
  std::map<std::string, std::vector<size_t>> readers_;
};

// The fusions a pass found, applied together once matching is over.
class Fusions {
 public:
  explicit Fusions(const PatternGraph& g) : g_(g), taken_(g.graph().nodes.size(), false) {}

  // Records that `fused` replaces `nodes`, the last of which produces its outputs. False, and
  // nothing recorded, if one of `nodes` is already in a fusion.
  bool add(const std::vector<const ir::Node*>& nodes, ir::Node fused);
  size_t size() const { return fused_.size(); }

  // Each fused node takes its last node's place (after every producer the pattern read), the
  // other nodes go, and so do the declared types of the values only they produced. Returns the
  // count under `label`. REQUIRES: `graph` is the PatternGraph's, unchanged since matching.
  ChangeCounts apply(ir::Graph& graph, const std::string& label);

 private:
  const PatternGraph& g_;
  std::vector<bool> taken_;
  std::vector<std::pair<size_t, ir::Node>> fused_;  // (index of the last node, its replacement)
  std::vector<std::string> dropped_;                // intermediate values
};

// A zenith-domain node for a fusion, named after the node whose output it takes over.
ir::Node zenith_node(const std::string& op_type, const std::string& name,
                     std::vector<std::string> inputs, std::vector<std::string> outputs);

// For a two-input node reading `value`: its other input (`value` itself for f(value, value)).
// "" if `value` is not one of its two inputs.
std::string other_input(const ir::Node& node, const std::string& value);

// True if `actual` is `expected` up to float rounding (relative 1e-6): how exported constants
// such as sqrt(2) are recognised.
bool nearly(float actual, double expected);

}  // namespace zenith::passes
