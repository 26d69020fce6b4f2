// Plan: a graph compiled for a list of devices in priority order ("HETERO:CPU,REF"; "CPU" alone
// means the same). The plan gives every value an integer slot, places each node on the first
// device that takes it (hetero/placement.h), has each device compile its nodes into steps
// (devices/subgraph.h), and runs the steps in graph order, handing values between devices in
// plain form where one reads what another produced. A step a device declines runs on REF.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "devices/cpu/arena.h"
#include "devices/device.h"
#include "devices/hetero/placement.h"
#include "devices/reference/interpreter.h"
#include "ir/graph.h"
#include "runtime/thread_governor.h"

namespace zenith::runtime {

// One step of a profiled run.
struct StepProfile {
  std::string node;            // the step's main node
  std::string op;              // its op type, then the fused nodes' ("Conv+Relu")
  std::string device;          // where it ran: "CPU", or "REF" (also a step that fell back)
  std::string implementation;  // the kernels it ran: oneDNN's names, "zenith:..." for loops of
                               // our own, "view" for a concat computed in place, "ref" on REF
  std::string layout;          // its first output's layout ("nChw16c", "plain", ...)
  double ms = 0;
};

class Plan {
 public:
  // `devices`: registered device names in priority order (devices/device.h); each node goes to
  // the first that supports it, REF last. Devices run on at most `num_threads` threads (0: all
  // cores), each run on as many as the governor chooses (runtime/thread_governor.h).
  // Throws InvalidArgument for an unknown device or a negative thread count.
  // Convolutions and matrix products compute in `precision` (F32 or BF16) where a device can.
  Plan(ir::Graph graph, const std::vector<std::string>& devices, int num_threads = 0,
       ir::DType precision = ir::DType::F32);
  ~Plan();

  const ir::Graph& graph() const { return graph_; }
  // The most threads a run uses.
  int threads() const { return governor_.counts()[0]; }
  const std::vector<hetero::Assignment>& assignments() const { return assignments_; }
  // How many times a step ran on REF instead because its device declined its inputs at run
  // time (dtype, rank, broadcast, or no oneDNN kernel); summed over all runs.
  size_t ref_fallbacks() const { return ref_fallbacks_.load(); }
  // True if some step computes in `precision` (its assignments say "bf16", ...).
  bool computes_in(ir::DType precision) const;

  // Runs the plan; outputs in graph order. Inputs are checked as REF checks them.
  // Thread-safe: a run keeps its state on the stack.
  // With `profile`, each step's kernels and wall time are appended to it, in run order.
  // Host buffers come from `arenas` (an inference request's own), else from the plan's.
  std::vector<ir::Value> run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
                             std::vector<StepProfile>* profile = nullptr,
                             cpu::ArenaCache* arenas = nullptr) const;
  // The same into `results` (cleared first), whose storage a caller that runs again reuses:
  // a CPU run then allocates nothing of its own.
  // With `on_output`, it is called with each graph output's index and value as soon as the step
  // that produces it is done (a data-parallel trainer starts averaging a gradient while the
  // backward pass goes on); the value stays valid until the run ends.
  using OutputReady = std::function<void(size_t output, const ir::Value& value)>;
  void run_into(const std::map<std::string, ir::Value>& feeds, std::vector<ir::Value>& results,
                uint64_t seed, std::vector<StepProfile>* profile = nullptr,
                cpu::ArenaCache* arenas = nullptr, const OutputReady& on_output = {}) const;
  // A run on `threads` threads (one of the governor's counts) that the governor does not see:
  // for timings at compile time.
  void run_on(const std::map<std::string, ir::Value>& feeds, std::vector<ir::Value>& results,
              int threads, cpu::ArenaCache& arenas) const;
  // Compiles what compile() could not, by running on `feeds` (any values of the shapes and
  // dtypes later runs will have), once per thread count a run may be given (ThreadGovernor):
  // oneDNN primitives, kernel choice and timing, weight packing. A step its device declines
  // for these inputs, or fails to build, becomes a REF step of this plan, its assignment saying
  // why. Not thread-safe: call it before the plan is shared. Throws what the run throws.
  void warm_up(const std::map<std::string, ir::Value>& feeds);

  // How a run with `feeds`' shapes on `threads` threads (0: all the plan's) lays out its host
  // buffers (cpu/arena.h); null before one has completed.
  std::shared_ptr<const cpu::ArenaLayout> arena_layout(
      const std::map<std::string, ir::Value>& feeds, int threads = 0) const;

 private:
  struct Step {
    int device = 0;         // index into order_ of the device that runs it
    size_t index = 0;       // its step in that device's subgraph
    size_t fallback = 0;    // the same step in the fallback device's subgraph
    std::vector<int> dead;  // slots nothing reads after this step
    std::vector<size_t> outputs;  // the graph outputs it produces
  };
  struct RunState;
  class Run;

  void run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
           std::vector<StepProfile>* profile, cpu::ArenaCache& arenas, int threads,
           std::map<size_t, std::string>* declined, std::vector<ir::Value>& results,
           const OutputReady& on_output) const;
  const devices::Step& step_nodes(const Step& step) const {
    return subgraphs_[static_cast<size_t>(step.device)]->steps()[step.index];
  }
  devices::Step& step_nodes(const Step& step) {
    return subgraphs_[static_cast<size_t>(step.device)]->steps()[step.index];
  }
  size_t node_index(const ir::Node* node) const {
    return static_cast<size_t>(node - graph_.nodes.data());
  }
  void assign_slots();
  void compile();
  void plan_lifetimes();
  void note_precisions();  // into assignments_, from the devices

  ir::Graph graph_;
  std::vector<const devices::Device*> order_;  // devices::placement_order
  int fallback_ = 0;                           // index of the fallback device in order_
  ir::DType precision_;
  ref::Interpreter interpreter_;
  std::vector<hetero::Assignment> assignments_;
  std::unordered_map<std::string, int> slot_of_;
  std::vector<std::string> slot_names_;                        // slot -> value name
  std::vector<std::unique_ptr<devices::Subgraph>> subgraphs_;  // per device of order_, or null
  std::vector<Step> steps_;
  std::vector<const ir::ValueInfo*> runtime_inputs_;  // the inputs a run must be fed
  std::vector<int> input_slots_;                      // per graph input
  std::vector<int> output_slots_;                     // per graph output
  // Graph inputs with an initializer, which a run uses when the caller does not feed them.
  std::vector<std::pair<int, const ir::Tensor*>> input_defaults_;
  bool any_subgraph_ = false;  // a body (If / Loop / Scan) may read any value by name
  mutable ThreadGovernor governor_;
  mutable cpu::ArenaCache arenas_;
  mutable std::atomic<size_t> ref_fallbacks_{0};
  // Run states no run is using, reused by later runs.
  mutable std::mutex idle_mutex_;
  mutable std::vector<std::unique_ptr<RunState>> idle_;
};

}  // namespace zenith::runtime
