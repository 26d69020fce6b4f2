// Test helpers for kernels that take or give sequences and optionals, or run subgraphs: build
// small graphs by hand and run them on the REF interpreter.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "devices/reference/interpreter.h"
#include "ir/graph.h"

namespace zenith::testing {

inline ir::Node make_node(const std::string& op_type, std::vector<std::string> inputs,
                          std::vector<std::string> outputs,
                          std::map<std::string, ir::Attribute> attributes = {}) {
  ir::Node node;
  node.name = "n_" + op_type;
  node.op_type = op_type;
  node.inputs = std::move(inputs);
  node.outputs = std::move(outputs);
  node.attributes = std::move(attributes);
  return node;
}

// A node of Zenith's own operator domain ("zenith"), such as the training steps.
inline ir::Node zenith_node(const std::string& op_type, std::vector<std::string> inputs,
                            std::vector<std::string> outputs,
                            std::map<std::string, ir::Attribute> attributes = {}) {
  ir::Node node = make_node(op_type, std::move(inputs), std::move(outputs), std::move(attributes));
  node.domain = "zenith";
  return node;
}

// `node` named `name` (what quantize_qdq and the fallback select nodes by).
inline ir::Node named(ir::Node node, const std::string& name) {
  node.name = name;
  return node;
}

// A graph whose inputs and outputs are the given names, untyped unless `output_types` gives a
// type by name.
inline std::shared_ptr<ir::Graph> make_graph(
    std::vector<ir::Node> nodes, const std::vector<std::string>& inputs,
    const std::vector<std::string>& outputs, std::map<std::string, ir::Tensor> initializers = {},
    const std::map<std::string, ir::TypeInfo>& output_types = {}) {
  auto graph = std::make_shared<ir::Graph>();
  graph->source = "test.onnx";
  graph->nodes = std::move(nodes);
  for (const std::string& name : inputs) graph->inputs.push_back({name, {}});
  for (const std::string& name : outputs) {
    auto it = output_types.find(name);
    graph->outputs.push_back({name, it == output_types.end() ? ir::TypeInfo{} : it->second});
  }
  graph->initializers = std::move(initializers);
  return graph;
}

inline std::vector<ir::Value> run_graph(const ir::Graph& graph,
                                        const std::map<std::string, ir::Value>& feeds) {
  return ref::Interpreter().run(graph, feeds);
}

template <typename T>
std::vector<T> values_of(const ir::Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.numel());
}

}  // namespace zenith::testing
