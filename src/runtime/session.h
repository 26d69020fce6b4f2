// Session: a loaded model bound to a device, run with named inputs. The public Core /
// CompiledModel / InferRequest API (issue 4) will be built on this.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "devices/reference/interpreter.h"
#include "ir/graph.h"

namespace zenith::runtime {

// Device names Zenith knows, in the order `zenith` lists them.
std::vector<std::string> available_devices();

class Session {
 public:
  // Throws InvalidArgument for an unknown device, Unsupported if the device cannot run a node.
  Session(ir::Graph graph, const std::string& device);

  const ir::Graph& graph() const { return graph_; }
  const std::string& device() const { return device_; }

  // Runs the model; outputs in graph order. Inputs are checked against the declared dtypes and
  // shapes first. Thread-safe: a run keeps its state on the stack.
  std::vector<ir::Value> run(const std::map<std::string, ir::Value>& feeds, uint64_t seed = 0) const;

 private:
  ir::Graph graph_;
  std::string device_;
  ref::Interpreter interpreter_;
};

// Loads a model file (.onnx) into a graph.
ir::Graph load_graph(const std::filesystem::path& path);

}  // namespace zenith::runtime
