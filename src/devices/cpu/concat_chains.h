// In-place concatenation for DenseNet-style chains: Concat(x0, f1), Concat(x0, f1, f2), ...,
// each layer concatenating every earlier feature map. Copying them all at every layer costs
// O(layers^2) memory traffic. In channel blocks (cpu::channel_block(): nChw16c on AVX-512) with
// channel counts that are multiples of the block, a channel slice of one buffer is a tensor at a
// pointer offset (dense at batch 1, with the buffer's batch stride above), so each input is copied
// once into its slice of a buffer sized for the longest concat, and every concat of the chain is a
// view of that buffer's prefix. Steps that cannot read a strided view get a dense copy of it
// (CpuOp::reads_strided).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "devices/cpu/cpu_value.h"
#include "ir/graph.h"

namespace zenith::cpu {

struct ConcatChain {
  std::vector<std::string> inputs;      // the longest concat's inputs, in order
  std::vector<int64_t> known_channels;  // per input: the producing Conv's output channels, or -1
  std::vector<int> input_slots;         // per input: its value slot in the plan (index_slots)
};

struct ConcatChains {
  // Where a chain input sits: (chain, index among its inputs).
  using Position = std::pair<size_t, size_t>;
  static constexpr Position kNone{SIZE_MAX, SIZE_MAX};

  std::vector<ConcatChain> chains;
  std::map<std::string, size_t> chain_of_concat;  // concat output -> chain
  std::map<std::string, Position> input_slot;     // input -> (chain, index)
  std::vector<Position> position_of_slot;         // per value slot; kNone if not a chain input

  // Fills the slot fields from `slot_of`, which names every chain input, for `slot_count` slots,
  // so that runs look chain inputs up by slot rather than by name.
  void index_slots(const std::function<int(const std::string&)>& slot_of, size_t slot_count);
};

// Chains among `concats` (CPU Concat nodes of `graph`): nodes along axis 1 with the same first
// input whose input lists are all prefixes of the longest one. A concat alone is a chain too:
// at batch 1 its inputs after the first are written in place, and the rest is one contiguous
// copy per input (oneDNN's `simple:any` concat took 1.36 ms for SqueezeNet's [1, 128, 55, 55]).
ConcatChains find_concat_chains(const ir::Graph& graph,
                                const std::vector<const ir::Node*>& concats);

// One run's chain buffers, kept by a run state and reset between runs. Values are named by
// their slot in the plan.
class ChainBuffers {
 public:
  using Lookup = std::function<const CpuValue*(int slot)>;

  explicit ChainBuffers(const ConcatChains& chains)
      : chains_(chains),
        state_(chains.chains.size()),
        views_(chains.position_of_slot.size(), false) {}

  // Forgets the last run's buffers and views.
  void reset();

  // The concat of the first `count` inputs of chain `chain` as a view of the chain's buffer, or
  // nullopt when in-place concatenation does not apply to this run (then the caller concats).
  // `lookup` gives the CPU value in a slot, or nullptr if there is none (yet).
  std::optional<CpuValue> concat(size_t chain, size_t count, const Lookup& lookup,
                                      dnnl::stream& stream);
  // Where the value in `slot` should be written: its part of a chain buffer, when it belongs to
  // a chain in use at batch 1 (a dense slice), else an empty value.
  CpuValue slot_for(int slot) const;
  // Copies a value just produced into its part of the chain buffer, if it belongs to a chain in
  // use and was not written there already (then it becomes a view). The first of a chain's
  // inputs to be produced starts the chain (`lookup` as for concat()), so that at batch 1 the
  // inputs produced after it are written in their parts.
  void produced(int slot, const CpuValue& value, const Lookup& lookup, dnnl::stream& stream);
  // True for the outputs of concat() and values produced in their part: their bytes belong to
  // the chain buffer.
  bool is_view(int slot) const { return views_[static_cast<size_t>(slot)]; }
  void add_view(int slot) { views_[static_cast<size_t>(slot)] = true; }

 private:
  // A chain's buffer in this run, and the oneDNN memory objects of its slices. Creating a
  // memory object allocates, so they are kept across runs and only pointed at the new buffer
  // while the geometry (batch, pixels, channels) stays the one they were made for.
  struct State {
    bool tried = false;
    bool active = false;
    std::shared_ptr<void> buffer;
    int64_t batch = 0, height = 0, width = 0;
    std::vector<int64_t> offsets;  // channel offset of each input
    int64_t total = 0;             // channels of the longest concat
    std::vector<bool> filled;
    // Kept across runs:
    std::vector<int64_t> geometry;          // {batch, height, width, offsets..., total} they fit
    std::vector<dnnl::memory> parts;        // per input: its slice
    std::vector<dnnl::memory::desc> dense;  // per input: its slice as a dense tensor
    std::vector<dnnl::memory> prefixes;     // per input count - 1: the concat of that many
  };

  bool start(size_t chain, const Lookup& lookup, dnnl::stream& stream);
  // Makes the slices' memory objects unless the last run's fit this geometry.
  void make_slices(State& state) const;
  void fill(State& state, size_t index, const CpuValue& value, dnnl::stream& stream);
  // `memory` pointed at channel `offset` of this run's buffer.
  static dnnl::memory at_offset(const State& state, const dnnl::memory& memory, int64_t offset);
  // The slice as a value that keeps the chain buffer alive.
  static CpuValue view(const State& state, const dnnl::memory& memory, int64_t offset);

  const ConcatChains& chains_;
  std::vector<State> state_;
  std::vector<bool> views_;  // per slot
};

}  // namespace zenith::cpu
