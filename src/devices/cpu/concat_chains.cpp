// In-place concatenation chains: finding them in the graph, and their per-run buffers.
#include "devices/cpu/concat_chains.h"

#include <algorithm>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/kernel_trace.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

bool along_channels(const ir::Node& node) {
  const int64_t axis = node.attr<int64_t>("axis", 0);
  return axis == 1 || axis == -3;
}

// The output channels of the Conv with a constant W that produces `value`, or -1.
int64_t known_channels(const ir::Graph& graph,
                       const std::map<std::string, const ir::Node*>& producer,
                       const std::string& value) {
  auto it = producer.find(value);
  if (it == producer.end() || it->second->op_type != "Conv" || it->second->inputs.size() < 2)
    return -1;
  auto w = graph.initializers.find(it->second->inputs[1]);
  return w == graph.initializers.end() || w->second.rank() < 1 ? -1 : w->second.dim(0);
}

}  // namespace

ConcatChains find_concat_chains(const ir::Graph& graph,
                                const std::vector<const ir::Node*>& concats) {
  std::map<std::string, const ir::Node*> producer;
  for (const ir::Node& node : graph.nodes)
    for (const std::string& out : node.outputs) producer[out] = &node;
  std::map<std::string, std::vector<const ir::Node*>> by_first;
  for (const ir::Node* c : concats)
    if (along_channels(*c) && !c->inputs.empty() && c->has_output(0))
      by_first[c->inputs[0]].push_back(c);

  ConcatChains result;
  for (const auto& [first, members] : by_first) {
    if (members.size() < 2) continue;
    const ir::Node* root = *std::max_element(members.begin(), members.end(), [](auto* a, auto* b) {
      return a->inputs.size() < b->inputs.size();
    });
    const bool prefixes = std::all_of(members.begin(), members.end(), [&](const ir::Node* m) {
      return std::equal(m->inputs.begin(), m->inputs.end(), root->inputs.begin());
    });
    const bool unique_inputs = std::all_of(root->inputs.begin(), root->inputs.end(), [&](auto& in) {
      return !in.empty() && !result.input_slot.count(in) &&
             std::count(root->inputs.begin(), root->inputs.end(), in) == 1;
    });
    if (!prefixes || !unique_inputs) continue;
    const size_t id = result.chains.size();
    ConcatChain chain{root->inputs, {}, {}};
    for (size_t i = 0; i < chain.inputs.size(); ++i) {
      chain.known_channels.push_back(known_channels(graph, producer, chain.inputs[i]));
      result.input_slot[chain.inputs[i]] = {id, i};
    }
    for (const ir::Node* m : members) result.chain_of_concat[m->outputs[0]] = id;
    result.chains.push_back(std::move(chain));
  }
  return result;
}

void ConcatChains::index_slots(const std::function<int(const std::string&)>& slot_of,
                               size_t slot_count) {
  position_of_slot.assign(slot_count, kNone);
  for (size_t c = 0; c < chains.size(); ++c) {
    chains[c].input_slots.clear();
    for (size_t i = 0; i < chains[c].inputs.size(); ++i) {
      const int slot = slot_of(chains[c].inputs[i]);
      chains[c].input_slots.push_back(slot);
      position_of_slot[static_cast<size_t>(slot)] = {c, i};
    }
  }
}

void ChainBuffers::reset() {
  for (State& state : state_) {
    state.tried = state.active = false;
    state.buffer.reset();
    state.batch = state.height = state.width = state.total = 0;
    state.offsets.clear();
    state.filled.clear();
  }
  std::fill(views_.begin(), views_.end(), false);
}

dnnl::memory ChainBuffers::slice(const State& state, int64_t offset, int64_t channels) const {
  // In channel blocks, channels [offset, offset + channels) with offset a multiple of the block
  // start offset * height * width floats into each image. At batch 1 the slice is a dense tensor;
  // above, each image's part is, and the batch stride is the whole buffer's.
  auto* base = static_cast<float*>(state.buffer.get()) + offset * state.height * state.width;
  const memory::desc dense = blocked_desc({state.batch, channels, state.height, state.width});
  const memory::desc desc =
      state.batch == 1 ? dense
                       : blocked_desc({state.batch, state.total, state.height, state.width})
                             .submemory_desc(dense.dims(), {0, 0, 0, 0});
  return memory(desc, engine(), base);
}

void ChainBuffers::fill(State& state, size_t index, const CpuValue& value,
                        dnnl::stream& stream) {
  memory src = value.mem;
  memory dst = slice(state, state.offsets[index], value.dims()[1]);
  state.filled[index] = true;
  const int64_t channels = value.dims()[1], pixels = state.height * state.width;
  if (src.get_desc() != blocked_desc({state.batch, channels, state.height, state.width})) {
    reorder(src, dst, stream);
    return;
  }
  // Already in blocks: one contiguous run per image (oneDNN's generic strided reorder is
  // half as fast).
  note_kernel("zenith:copy_into_slot");
  const auto* from = static_cast<const float*>(src.get_data_handle());
  auto* to = static_cast<float*>(dst.get_data_handle());
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < state.batch; ++n)
    std::copy_n(from + n * channels * pixels, channels * pixels, to + n * state.total * pixels);
}

bool ChainBuffers::start(size_t chain, const Lookup& lookup, dnnl::stream& stream) {
  const ConcatChain& c = chains_.chains[chain];
  State& state = state_[chain];
  std::vector<int64_t> channels(c.inputs.size(), -1);
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (const CpuValue* v = lookup(c.input_slots[i])) {
      const ir::Dims d = v->dims();
      if (!v->is_f32() || d.size() != 4) return false;
      if (state.height == 0) {
        state.batch = d[0];
        state.height = d[2];
        state.width = d[3];
      }
      if (d[0] != state.batch || d[2] != state.height || d[3] != state.width) return false;
      channels[i] = d[1];
    } else {
      channels[i] = c.known_channels[i];
    }
    if (channels[i] <= 0 || channels[i] % channel_block() != 0) return false;
  }
  if (state.height == 0) return false;
  for (int64_t ch : channels) {
    state.offsets.push_back(state.total);
    state.total += ch;
  }
  state.buffer =
      allocate(blocked_desc({state.batch, state.total, state.height, state.width})).owner;
  state.filled.assign(c.inputs.size(), false);
  for (size_t i = 0; i < c.inputs.size(); ++i)
    if (const CpuValue* v = lookup(c.input_slots[i])) fill(state, i, *v, stream);
  return true;
}

std::optional<CpuValue> ChainBuffers::concat(size_t chain, size_t count, const Lookup& lookup,
                                                  dnnl::stream& stream) {
  State& state = state_[chain];
  if (!state.tried) {
    state.tried = true;
    state.active = start(chain, lookup, stream);
  }
  if (!state.active) return std::nullopt;
  // A slot is filled when its producer ran; one that was not (its producer ran on REF, say)
  // means this concat is not a prefix view.
  for (size_t i = 0; i < count; ++i)
    if (!state.filled[i]) return std::nullopt;
  const int64_t channels = count < state.offsets.size() ? state.offsets[count] : state.total;
  return view(state, 0, channels);
}

CpuValue ChainBuffers::view(const State& state, int64_t offset, int64_t channels) const {
  CpuValue v;
  v.mem = slice(state, offset, channels);
  v.owner = state.buffer;
  return v;
}

CpuValue ChainBuffers::slot_for(int slot) const {
  const auto [chain, index] = chains_.position_of_slot[static_cast<size_t>(slot)];
  if (chain == SIZE_MAX) return {};
  const State& state = state_[chain];
  const int64_t channels = chains_.chains[chain].known_channels[index];
  if (!state.active || state.batch != 1 || channels <= 0) return {};
  return view(state, state.offsets[index], channels);
}

void ChainBuffers::produced(int slot, const CpuValue& value, dnnl::stream& stream) {
  const auto [chain, index] = chains_.position_of_slot[static_cast<size_t>(slot)];
  if (chain == SIZE_MAX) return;
  State& state = state_[chain];
  if (!state.active) return;
  const ir::Dims d = value.dims();
  const int64_t expected = chains_.chains[chain].known_channels[index];
  if (!value.is_f32() || d.size() != 4 || d[0] != state.batch || d[1] != expected ||
      d[2] != state.height || d[3] != state.width) {
    state.active = false;  // not what the buffer was laid out for: concat the usual way
    return;
  }
  if (value.owner == state.buffer) {  // written in its slot by the producer
    state.filled[index] = true;
    add_view(slot);
    return;
  }
  fill(state, index, value, stream);
}

}  // namespace zenith::cpu
