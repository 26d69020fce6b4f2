// KernelContext: what a REF kernel sees of one node's execution: attributes, inputs, outputs,
// and the means to run subgraphs (If / Loop / Scan) and draw random numbers.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/value.h"

namespace zenith::ref {

class Scope;
class Interpreter;
struct PreparedGraph;

// A node of a graph a kernel builds for run_subgraph (a fused op run as the ops it came from),
// named "<prefix>/<op_type>".
inline ir::Node subgraph_node(std::string_view prefix, const char* op_type,
                              std::vector<std::string> inputs, const std::string& output) {
  ir::Node node;
  node.name = std::string(prefix) + "/" + op_type;
  node.op_type = op_type;
  node.inputs = std::move(inputs);
  node.outputs = {output};
  return node;
}

class KernelContext {
 public:
  KernelContext(const ir::Node& node, std::vector<const ir::Value*> inputs,
                std::vector<ir::Value>& outputs, const Interpreter& interpreter,
                const Scope& scope, std::mt19937_64& rng)
      : node_(node),
        inputs_(std::move(inputs)),
        outputs_(outputs),
        interpreter_(interpreter),
        scope_(scope),
        rng_(rng) {}

  const ir::Node& node() const { return node_; }
  template <typename T>
  T attr(const std::string& key, T fallback) const {
    return node_.attr<T>(key, std::move(fallback));
  }
  template <typename T>
  T attr(const std::string& key) const {
    return node_.attr<T>(key);
  }

  // Inputs as the node declares them; an absent optional input is a nullptr internally.
  size_t num_inputs() const { return inputs_.size(); }
  bool has_input(size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }
  // Throws InvalidModel if input i is absent, InvalidArgument if it is not a tensor.
  const ir::Tensor& input(size_t i) const;
  const ir::Value& input_value(size_t i) const;

  size_t num_outputs() const { return outputs_.size(); }
  // False for an output the node leaves unnamed: the kernel may skip computing it.
  bool has_output(size_t i) const { return node_.has_output(i); }
  ir::Tensor& allocate_output(size_t i, ir::DType dtype, ir::Dims dims);
  void set_output(size_t i, ir::Value value);

  // Runs `graph` with `inputs` bound to its inputs in order; names of this node's scope (and
  // enclosing ones) are visible inside it, as ONNX requires. A kernel that runs one body many
  // times prepares it once (interpreter.h) and passes that.
  std::vector<ir::Value> run_subgraph(const ir::Graph& graph, const std::vector<ir::Value>& inputs,
                                      const PreparedGraph* prepared = nullptr) const;
  PreparedGraph prepare(const ir::Graph& graph) const;

  // Seeded per run, so random ops are reproducible for a given --seed.
  std::mt19937_64& rng() const { return rng_; }

 private:
  const ir::Node& node_;
  std::vector<const ir::Value*> inputs_;
  std::vector<ir::Value>& outputs_;
  const Interpreter& interpreter_;
  const Scope& scope_;
  std::mt19937_64& rng_;
};

using KernelFn = void (*)(KernelContext&);

}  // namespace zenith::ref
