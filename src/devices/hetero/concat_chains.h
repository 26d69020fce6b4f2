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
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "devices/cpu/cpu_value.h"
#include "ir/graph.h"

namespace zenith::hetero {

struct ConcatChain {
  std::vector<std::string> inputs;      // the longest concat's inputs, in order
  std::vector<int64_t> known_channels;  // per input: the producing Conv's output channels, or -1
};

struct ConcatChains {
  std::vector<ConcatChain> chains;
  std::map<std::string, size_t> chain_of_concat;                // concat output -> chain
  std::map<std::string, std::pair<size_t, size_t>> input_slot;  // input -> (chain, index)
};

// Chains among `concats` (CPU Concat nodes of `graph`): nodes along axis 1 with the same first
// input whose input lists are all prefixes of the longest one. Chains of one concat are
// dropped: there is nothing to share.
ConcatChains find_concat_chains(const ir::Graph& graph, const std::vector<const ir::Node*>& concats);

// One run's chain buffers.
class ChainBuffers {
 public:
  using Lookup = std::function<const cpu::CpuValue*(const std::string&)>;

  explicit ChainBuffers(const ConcatChains& chains) : chains_(chains), state_(chains.chains.size()) {}

  // The concat of `inputs` (a prefix of chain `chain`'s) as a view of the chain's buffer, or
  // nullopt when in-place concatenation does not apply to this run (then the caller concats).
  // `lookup` gives the CPU value of a name, or nullptr if there is none (yet).
  std::optional<cpu::CpuValue> concat(size_t chain, const std::vector<std::string>& inputs,
                                      const Lookup& lookup, dnnl::stream& stream);
  // Where `name` should be written: its slot, when it belongs to a chain in use at batch 1
  // (a dense slice), else an empty value.
  cpu::CpuValue slot_for(const std::string& name) const;
  // Copies a value just produced into its slot, if it belongs to a chain in use and was not
  // written there already (then it becomes a view).
  void produced(const std::string& name, const cpu::CpuValue& value, dnnl::stream& stream);
  // True for the outputs of concat() and values produced in their slot: their bytes belong to
  // the chain buffer.
  bool is_view(const std::string& name) const { return views_.count(name) != 0; }
  void add_view(const std::string& name) { views_.insert(name); }

 private:
  struct State {
    bool tried = false;
    bool active = false;
    std::shared_ptr<void> buffer;
    int64_t batch = 0, height = 0, width = 0;
    std::vector<int64_t> offsets;  // channel offset of each input
    int64_t total = 0;             // channels of the longest concat
    std::vector<bool> filled;
  };

  bool start(size_t chain, const Lookup& lookup, dnnl::stream& stream);
  void fill(State& state, size_t index, const cpu::CpuValue& value, dnnl::stream& stream);
  dnnl::memory slice(const State& state, int64_t offset, int64_t channels) const;
  // The slice as a value that keeps the chain buffer alive.
  cpu::CpuValue view(const State& state, int64_t offset, int64_t channels) const;

  const ConcatChains& chains_;
  std::vector<State> state_;
  std::set<std::string> views_;
};

}  // namespace zenith::hetero
