// What a device compiles its part of a plan into, and how a run drives it. The plan
// (runtime/plan.h) gives every value an integer slot, places each node on a device, asks each
// device to compile its nodes into steps, and runs the steps in graph order. A device keeps the
// values its steps produce in its own form (the CPU: oneDNN memory in the layout each primitive
// chose); values cross devices in their plain form (ir::Value), converted only when a step of
// another device, or the caller, reads them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/errors.h"
#include "ir/graph.h"
#include "ir/value.h"

namespace zenith::devices {

class DeviceRun;

// One step: a main node and the nodes a device fused after it, computed as one.
struct Step {
  const ir::Node* node = nullptr;      // the main node
  std::vector<const ir::Node*> nodes;  // the main node, then the fused ones, in order
  std::vector<std::string> inputs;     // names ("" for an absent optional input)
  std::vector<std::string> outputs;
  std::vector<int> input_slots;   // -1 for an absent optional input
  std::vector<int> output_slots;  // -1 for an unused output
  // Set by the device: output 0 may share input 0's bytes (a reshape).
  bool output_aliases_input = false;
  // Set by the plan, per input: this step reads the value once and last, nothing reads it in
  // plain form and it shares no bytes with another value, so the step may write into it.
  std::vector<bool> last_use;
};

// What a device compiling its part of a plan is told.
struct CompileContext {
  const ir::Graph& graph;
  std::vector<size_t> nodes;  // indices into graph.nodes of the nodes placed on the device
  const std::unordered_map<std::string, int>& slot_of;  // every value name -> its slot
  const std::vector<std::string>& slot_names;           // slot -> name
  bool any_subgraph = false;  // a body (If / Loop / Scan) may read any value by name
  // What convolutions and matrix products may compute in: F32, or BF16 where the device has
  // BF16 instructions (others compute in f32). REF, the oracle, always computes in f32.
  ir::DType precision = ir::DType::F32;
};

// A step's kernels and output layout, for a profiled run.
struct StepReport {
  std::string implementation;  // oneDNN's kernel names, "zenith:..." for our loops, "ref", ...
  std::string layout;          // its first output's layout ("nChw16c", "plain", ...)
};

// A device's compiled part of a plan. Immutable once the plan is built, so runs share it.
class Subgraph {
 public:
  virtual ~Subgraph() = default;
  std::vector<Step>& steps() { return steps_; }
  const std::vector<Step>& steps() const { return steps_; }
  // A new run state (see DeviceRun); the plan keeps it for later runs.
  virtual std::unique_ptr<DeviceRun> start(int device_index) const = 0;
  // Takes a copy of another device's step, to run when that device declines it; its index here.
  // Only the fallback device (REF, which runs every node) implements it.
  virtual size_t adopt(const Step& step);
  // What step `i` computes in, for steps with a choice of precision (convolutions and matrix
  // products: "f32", "bf16", "int8"); "" for others. Known once the plan is warmed up: a
  // device may build a step in f32 where it has no fast kernel in the precision asked for.
  virtual std::string precision(size_t i) const { return {}; }

 protected:
  std::vector<Step> steps_;
};

// Per slot, what a run holds: its plain form, and which device (if any) holds it in its own.
class RunValues {
 public:
  RunValues(size_t slot_count, std::vector<DeviceRun*> runs)
      : slots_(slot_count), runs_(std::move(runs)) {}

  // The value in `slot` in plain form, converted from the device holding it (once); nullptr if
  // the run has none there (an initializer, an absent input, a value not produced yet).
  const ir::Value* plain(int slot);
  // Whether `device` holds `slot` in its own form.
  bool held_by(int slot, int device) const { return at(slot).holder == device; }
  bool has_value(int slot) const { return at(slot).holder >= 0 || at(slot).has_plain; }
  void set_plain(int slot, ir::Value value);
  void set_held(int slot, int device);
  // Forgets `slot` on every device: nothing reads it any more.
  void release(int slot);
  void reset();

  size_t size() const { return slots_.size(); }
  // A warm-up run: a device may decline a step for any failure to build it, not only for a
  // configuration it has no kernel for.
  bool warming_up = false;

 private:
  struct Slot {
    ir::Value plain;
    bool has_plain = false;  // `plain` may hold an empty optional, so it cannot tell
    int holder = -1;         // the device index holding it in its own form
  };
  Slot& at(int slot) { return slots_[static_cast<size_t>(slot)]; }
  const Slot& at(int slot) const { return slots_[static_cast<size_t>(slot)]; }

  std::vector<Slot> slots_;
  std::vector<DeviceRun*> runs_;  // by device index
};

// A run's state on one device: the values it holds, streams, scratch. Made once per concurrent
// run and reused, so that a run builds none of it.
class DeviceRun {
 public:
  virtual ~DeviceRun() = default;
  // Before a run's first step. The run's kernels use `threads` threads (>= 1; the plan chooses,
  // runtime/thread_governor.h): a device that builds kernels for a thread count builds them
  // for each count it is given.
  virtual void begin(uint64_t seed, int threads) {}
  // After its last step (also when the run throws).
  virtual void end() {}
  // Runs step `i` of the subgraph, reading and storing values through `values`; fills `report`
  // if given. Returns "" when it ran, else why the device declined these inputs (the plan then
  // runs the step's fallback). Throws zenith::Error for a failure.
  virtual std::string execute(size_t i, RunValues& values, StepReport* report) = 0;
  // The plain form of a value this device holds.
  virtual ir::Value to_plain(int slot) = 0;
  // Forgets the run's copy of `slot`, if any.
  virtual void release(int slot) = 0;
};

inline const ir::Value* RunValues::plain(int slot) {
  Slot& s = at(slot);
  if (!s.has_plain && s.holder >= 0) {
    s.plain = runs_[static_cast<size_t>(s.holder)]->to_plain(slot);
    s.has_plain = true;
  }
  return s.has_plain ? &s.plain : nullptr;
}

inline void RunValues::set_plain(int slot, ir::Value value) {
  Slot& s = at(slot);
  s.plain = std::move(value);
  s.has_plain = true;
  s.holder = -1;
}

inline void RunValues::set_held(int slot, int device) {
  Slot& s = at(slot);
  s.plain = ir::Value();
  s.has_plain = false;
  s.holder = device;
}

inline void RunValues::release(int slot) {
  for (DeviceRun* run : runs_)
    if (run) run->release(slot);
  at(slot) = Slot();
}

inline void RunValues::reset() {
  for (Slot& s : slots_) s = Slot();
}

inline size_t Subgraph::adopt(const Step&) {
  ZENITH_ASSERT(!"only the fallback device adopts steps");
  return 0;
}

}  // namespace zenith::devices
