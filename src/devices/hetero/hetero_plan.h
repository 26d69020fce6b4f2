// HeteroPlan: a graph compiled for a list of devices in priority order ("HETERO:CPU,REF"; the
// CPU device alone means the same). Each node goes to the first device that supports it;
// consecutive CPU steps pass tensors in oneDNN's blocked layouts, and a tensor is reordered to
// plain only where a REF step, a subgraph or the caller reads it. Every value has an integer
// slot, fixed when the plan is built; a run keeps its values in a vector of slots, and only
// REF steps (whose kernels look inputs up by name) see a name -> value scope.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "devices/cpu/arena.h"
#include "devices/cpu/cpu_op.h"
#include "devices/device.h"
#include "devices/hetero/concat_chains.h"
#include "devices/reference/interpreter.h"
#include "ir/graph.h"

namespace zenith::hetero {

// Where a node runs, and why not on a preferred device.
struct Assignment {
  std::string node;
  std::string op_type;
  std::string device;      // the device's name: "CPU", "REF"
  std::string reason;      // why not on the devices before it in the list ("" if none)
  std::string fused_into;  // the node whose CPU step computes it as a post-op ("" if none)
};

// One step of a profiled run.
struct StepProfile {
  std::string node;            // the step's main node
  std::string op;              // its op type, then the fused nodes' ("Conv+Relu")
  std::string device;          // where it ran: "CPU", or "REF" (also a CPU step that fell back)
  std::string implementation;  // the kernels it ran: oneDNN's names, "zenith:..." for loops of
                               // our own, "view" for a concat computed in place, "ref" on REF
  std::string layout;          // its first output's layout ("nChw16c", "nchw", ...)
  double ms = 0;
};

// True if a plan for `devices` (names, in priority order) simplifies the graph before placing it:
// a device that runs simplified graphs comes before REF (devices/device.h). Throws
// InvalidArgument for an unknown name.
bool runs_simplified_graph(const std::vector<std::string>& devices);

class HeteroPlan {
 public:
  // `devices`: registered device names in priority order (devices/device.h); each node goes to
  // the first that supports it, REF last. CPU steps run on `num_threads` OpenMP threads (0: all
  // cores). Throws InvalidArgument for an unknown device.
  HeteroPlan(ir::Graph graph, const std::vector<std::string>& devices, int num_threads = 0);
  ~HeteroPlan();

  const ir::Graph& graph() const { return graph_; }
  const std::vector<Assignment>& assignments() const { return assignments_; }
  // The Concat chains computed in place (concat_chains.h).
  const ConcatChains& concat_chains() const { return chains_; }
  // How many times a CPU step ran on REF instead because its inputs at run time (dtype, rank,
  // broadcast) or oneDNN refused them; summed over all runs.
  size_t ref_fallbacks() const { return ref_fallbacks_.load(); }

  // Runs the plan; outputs in graph order. Inputs are checked as REF checks them.
  // Thread-safe: a run keeps its state on the stack.
  // With `profile`, each step's kernels and wall time are appended to it, in run order.
  // CPU buffers come from `arenas` (an inference request's own), else from the plan's.
  std::vector<ir::Value> run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
                             std::vector<StepProfile>* profile = nullptr,
                             cpu::ArenaCache* arenas = nullptr) const;
  // Compiles what the constructor could not, by running once on `feeds` (any values of the
  // shapes and dtypes later runs will have): oneDNN primitives, kernel choice and timing, weight
  // packing. A CPU step that declines these inputs, or that oneDNN has no kernel for, becomes a
  // REF step of this plan, its assignment saying why. Not thread-safe: call it before the plan
  // is shared. Throws what the run throws.
  void warm_up(const std::map<std::string, ir::Value>& feeds);

  // How a run with `feeds`' shapes lays out its CPU buffers (cpu/arena.h); null before one has
  // completed.
  std::shared_ptr<const cpu::ArenaLayout> arena_layout(
      const std::map<std::string, ir::Value>& feeds) const;

 private:
  struct Step;
  struct RunState;
  class Run;

  std::vector<ir::Value> run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
                             std::vector<StepProfile>* profile, cpu::ArenaCache& arenas,
                             std::map<const Step*, std::string>* declined) const;

  Assignment place(const ir::Node& node) const;
  void build_steps();
  // Gives every value a slot; returns the names' slots for the rest of the build.
  std::unordered_map<std::string, int> assign_slots();

  ir::Graph graph_;
  int num_threads_;
  std::vector<const devices::Device*> order_;  // devices/device.h: placement_order
  bool uses_cpu_ = false;                      // CPU comes before REF in order_
  ref::Interpreter interpreter_;
  std::vector<Assignment> assignments_;
  std::vector<Step> steps_;
  std::vector<std::string> slot_names_;               // slot -> value name
  std::vector<const ir::ValueInfo*> runtime_inputs_;  // the inputs a run must be fed
  std::vector<int> input_slots_;                      // per graph input
  std::vector<int> output_slots_;                     // per graph output
  // The initializers CPU steps read, wrapped once: a oneDNN memory object per run and input
  // cost more than some steps. constant_of_slot_: index into constants_, or -1.
  std::vector<cpu::CpuValue> constants_;
  std::vector<int> constant_of_slot_;
  // A subgraph may read any value by name, so with one every value is also put in the scope.
  bool any_subgraph_ = false;
  ref::Scope initializers_;  // the parent of every run's scope: bound once, not per run
  ConcatChains chains_;
  mutable cpu::ArenaCache arenas_;
  mutable std::atomic<size_t> ref_fallbacks_{0};
  // Run states no run is using: slots, scope, stream and chain buffers, reused by later runs.
  mutable std::mutex idle_mutex_;
  mutable std::vector<std::unique_ptr<RunState>> idle_;
};

}  // namespace zenith::hetero
