// Test helper: runs one node on the REF interpreter.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "devices/reference/interpreter.h"
#include "ir/graph.h"

namespace zenith::testing {

// Builds a one-node graph whose inputs are "in0", "in1", ... (an undefined Tensor in `inputs`
// marks an absent optional input) and outputs "out0", ...; runs it and returns the outputs.
inline std::vector<ir::Value> run_node(const std::string& op_type, std::vector<ir::Tensor> inputs,
                                       std::map<std::string, ir::Attribute> attributes = {},
                                       size_t num_outputs = 1, const std::string& domain = "") {
  ir::Graph graph;
  graph.source = "test.onnx";
  ir::Node node;
  node.name = "n";
  node.op_type = op_type;
  node.domain = domain;
  node.attributes = std::move(attributes);
  std::map<std::string, ir::Value> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) {
      node.inputs.push_back("");
      continue;
    }
    const std::string name = "in" + std::to_string(i);
    node.inputs.push_back(name);
    graph.inputs.push_back({name, ir::TypeInfo::tensor(inputs[i].dtype())});
    feeds[name] = inputs[i];
  }
  for (size_t i = 0; i < num_outputs; ++i) {
    node.outputs.push_back("out" + std::to_string(i));
    graph.outputs.push_back({node.outputs.back(), {}});
  }
  graph.nodes.push_back(std::move(node));
  return ref::Interpreter().run(graph, feeds);
}

// A tensor of dims filled with `values` (row-major).
template <typename T>
ir::Tensor make_tensor(ir::Dims dims, std::vector<T> values) {
  ir::Tensor t(ir::dtype_of<T>(), std::move(dims));
  ZENITH_ASSERT(static_cast<int64_t>(values.size()) == t.numel());
  for (size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = values[i];
  return t;
}

}  // namespace zenith::testing
