// Session: a loaded model bound to a device, run with named inputs; the engine behind the public
// CompiledModel / InferRequest API.
#pragma once

#include <filesystem>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/batch_split.h"
#include "runtime/plan.h"
#include "zenith/config.h"

namespace zenith::runtime {

// Device names Zenith knows, in the order `zenith` lists them.
std::vector<std::string> available_devices();

// A model is compiled once per distinct list of input shapes it meets: the shapes are frozen
// into a copy of the graph, the passes fold the shape computations that depended on them, and
// the plan is warmed up (primitives created, kernels chosen and timed, weights packed) before
// it serves a run. Plans are kept for the kMaxCompiledShapes shapes used most recently.
// A batch of at least two samples per thread, in a model that computes each sample on its own,
// also gets a plan for its share on one thread (runtime/batch_split.h): runs then split the
// batch between the threads when that was no slower on the check at compile time.
class Session {
 public:
  // Packed weights are per plan, so each shape kept costs up to the model's weights again
  // (twice with a batch split).
  static constexpr size_t kMaxCompiledShapes = 8;
  // How far (relative L2) a split batch's f32 outputs may be from the whole run's: kernels
  // chosen for another batch size round differently.
  static constexpr double kSplitTolerance = 1e-4;

  // `device`: "REF", "CPU" (oneDNN, with REF for the nodes it cannot run), "HETERO:CPU,REF"
  // (the same, spelled out) or "HETERO:REF,CPU" (every node on REF, the first in the order); the
  // CPU runs on `num_threads` threads (0: all cores). A model whose inputs all have static shapes
  // is compiled for them here. Throws InvalidArgument for an unknown device or a negative thread
  // count, Unsupported if no device can run a node. Convolutions and matrix products compute in
  // `precision`; `automatic` decides per compiled shape (see zenith::InferencePrecision).
  Session(ir::Graph graph, const std::string& device, int num_threads = 0,
          InferencePrecision precision = InferencePrecision::f32);
  ~Session();

  const ir::Graph& graph() const { return graph_; }  // as loaded
  const std::string& device() const { return device_; }
  // Where each node runs: for the static input shapes when the model has them, else for the
  // graph as loaded (shape computations not folded).
  const std::vector<hetero::Assignment>& assignments() const;

  // Runs the model; outputs in graph order. Inputs are checked against the declared dtypes and
  // shapes first. Thread-safe: a run keeps its state on the stack; compiling a new shape blocks
  // only the runs that wait for that shape.
  // With `profile`, each step's node, op, device, kernels, layout and time are appended to it.
  // CPU buffers come from `arenas` (a request's own), else from the plan's.
  std::vector<ir::Value> run(const std::map<std::string, ir::Value>& feeds, uint64_t seed = 0,
                             std::vector<StepProfile>* profile = nullptr,
                             cpu::ArenaCache* arenas = nullptr) const;
  // The same into `results` (Plan::run_into): what a request calls, run after run.
  void run_into(const std::map<std::string, ir::Value>& feeds, std::vector<ir::Value>& results,
                uint64_t seed = 0, std::vector<StepProfile>* profile = nullptr,
                cpu::ArenaCache* arenas = nullptr) const;

  // The input shapes that have a compiled plan now, most recently used first.
  std::vector<std::vector<ir::Dims>> compiled_shapes() const;
  // Those of them whose runs split the batch between threads.
  std::vector<std::vector<ir::Dims>> split_shapes() const;

 private:
  struct Compiled;
  using Key = std::vector<ir::Dims>;

  const Plan& plan_for(const std::map<std::string, ir::Value>& feeds,
                       std::shared_ptr<const Compiled>& hold) const;
  // The compiled plan for the feeds' shapes, found by comparing them in place (a run with
  // shapes the session holds builds no key); null when none is ready.
  std::shared_ptr<const Compiled> ready_plan(const std::map<std::string, ir::Value>& feeds) const;
  std::shared_ptr<const Compiled> compiled(const Key& key) const;
  void compile(const Key& key, Compiled& entry) const;
  // A plan for `shapes` computing in `precision` on `threads` threads (0: the session's),
  // warmed up.
  std::unique_ptr<Plan> warmed_plan(const std::map<std::string, ir::Dims>& shapes,
                                    ir::DType precision, int threads = 0) const;
  // The batch of `shapes` split between the threads of `whole` (runtime/batch_split.h), if the
  // model computes each sample on its own, the parts give whole's outputs, and they run at
  // least as fast; else null.
  std::unique_ptr<BatchSplit> batch_split(const Plan& whole,
                                          const std::map<std::string, ir::Dims>& shapes,
                                          ir::DType precision) const;
  const Plan& generic() const;

  ir::Graph graph_;  // as loaded; every plan starts from a copy
  std::string device_;
  std::vector<std::string> devices_;
  int num_threads_;
  InferencePrecision precision_;
  // Only plans whose devices run simplified graphs (CPU) are compiled per shapes: REF runs the
  // graph as given, since the oracle does not depend on passes.
  bool specialize_;
  std::vector<std::string> input_names_;
  mutable std::once_flag generic_once_;
  mutable std::unique_ptr<Plan> generic_;
  mutable std::mutex mutex_;
  mutable std::list<std::pair<Key, std::shared_ptr<Compiled>>> plans_;  // most recent first
  std::shared_ptr<const Compiled> static_plan_;  // compiled in the constructor, if any
  mutable cpu::ArenaCache split_arenas_;         // joined outputs of split runs given no arenas
};

// Loads a model file into a graph: a .zir (known by its magic) or an .onnx.
ir::Graph load_graph(const std::filesystem::path& path);

}  // namespace zenith::runtime
