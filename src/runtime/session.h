// Session: a loaded model bound to a device, run with named inputs. The public Core /
// CompiledModel / InferRequest API (issue 4) will be built on this.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "devices/hetero/hetero_plan.h"
#include "ir/graph.h"

namespace zenith::runtime {

// Device names Zenith knows, in the order `zenith` lists them.
std::vector<std::string> available_devices();

class Session {
 public:
  // `device`: "REF", "CPU" (oneDNN, with REF for the nodes it cannot run) or
  // "HETERO:CPU,REF" (the same, spelled out); the CPU runs on `num_threads` threads (0: all
  // cores). Throws InvalidArgument for an unknown device or a negative thread count,
  // Unsupported if no device can run a node.
  Session(ir::Graph graph, const std::string& device, int num_threads = 0);

  const ir::Graph& graph() const { return plan_.graph(); }
  const std::string& device() const { return device_; }
  // Where each node runs.
  const std::vector<hetero::Assignment>& assignments() const { return plan_.assignments(); }

  // Runs the model; outputs in graph order. Inputs are checked against the declared dtypes and
  // shapes first. Thread-safe: a run keeps its state on the stack.
  // With `profile`, each step's node, op, device, kernels, layout and time are appended to it.
  // CPU buffers come from `arenas` (a request's own), else from the session's.
  std::vector<ir::Value> run(const std::map<std::string, ir::Value>& feeds, uint64_t seed = 0,
                             std::vector<hetero::StepProfile>* profile = nullptr,
                             cpu::ArenaCache* arenas = nullptr) const;

 private:
  std::string device_;
  hetero::HeteroPlan plan_;
};

// Loads a model file into a graph: a .zir (known by its magic) or an .onnx.
ir::Graph load_graph(const std::filesystem::path& path);

}  // namespace zenith::runtime
