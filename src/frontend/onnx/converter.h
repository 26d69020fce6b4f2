// Opset converters: rewrite a node of an older ONNX op version into the IR's canonical form
// (e.g. Reduce* `axes` attribute -> input, Upsample -> Resize).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace zenith::onnx_frontend {

// What a converter may do besides editing the node: add constants and nodes around it.
class ConvertContext {
 public:
  ConvertContext(ir::Graph& graph, std::set<std::string>& names, int since_version)
      : graph_(graph), names_(names), since_version_(since_version) {}

  // The version of the node's op that the model's opset selects (its `since_version`).
  int since_version() const { return since_version_; }
  // The graph being imported: types of values and initializers seen so far.
  const ir::Graph& graph() const { return graph_; }

  // A value name not used anywhere in the graph, derived from `hint`.
  std::string unique_name(const std::string& hint);
  // Adds `value` as an initializer under a fresh name and returns the name.
  std::string add_constant(const std::string& hint, ir::Tensor value);
  // Nodes to run before / after the converted node (e.g. a Reshape back to the old rank).
  void add_node_before(ir::Node node) { before_.push_back(std::move(node)); }
  void add_node_after(ir::Node node) { after_.push_back(std::move(node)); }

  std::vector<ir::Node>& before() { return before_; }
  std::vector<ir::Node>& after() { return after_; }

 private:
  ir::Graph& graph_;
  std::set<std::string>& names_;
  int since_version_;
  std::vector<ir::Node> before_;
  std::vector<ir::Node> after_;
};

using ConverterFn = void (*)(ir::Node& node, ConvertContext& context);

// Versions [min_version, canonical) of (domain, op_type) are accepted; `fn` (null when the old
// versions already mean the same as the canonical one for every input the model can give)
// rewrites them. A deprecated op's converter also renames it to its canonical replacement.
// `also_canonical` makes `fn` run at the canonical version too: for ops whose IR form differs
// from that ONNX version (Reduce* take `axes` as an input, the opset-18 form).
struct Converter {
  std::string_view domain;
  std::string_view op_type;
  int min_version;
  ConverterFn fn;
  bool also_canonical = false;
};

// nullptr if there is none for the op.
const Converter* find_converter(std::string_view domain, std::string_view op_type);

}  // namespace zenith::onnx_frontend
