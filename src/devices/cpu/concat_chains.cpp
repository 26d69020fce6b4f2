// In-place concatenation chains: finding them in the graph, and their per-run buffers.
#include "devices/cpu/concat_chains.h"

#include <algorithm>

#include "devices/cpu/arena.h"
#include "devices/cpu/channel_block.h"
#include "devices/cpu/kernel_trace.h"
#include "devices/cpu/parallel.h"

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

void ChainBuffers::make_slices(State& state) const {
  const size_t n = state.offsets.size();
  const std::vector<int64_t>& g = state.geometry;
  if (g.size() == n + 4 && g[0] == state.batch && g[1] == state.height && g[2] == state.width &&
      std::equal(state.offsets.begin(), state.offsets.end(), g.begin() + 3) &&
      g.back() == state.total)
    return;
  state.geometry = {state.batch, state.height, state.width};
  state.geometry.insert(state.geometry.end(), state.offsets.begin(), state.offsets.end());
  state.geometry.push_back(state.total);
  // In channel blocks, channels [offset, offset + channels) with offset a multiple of the block
  // start offset * height * width floats into each image. At batch 1 the slice is a dense tensor;
  // above, each image's part is, and the batch stride is the whole buffer's.
  const memory::desc whole = blocked_desc({state.batch, state.total, state.height, state.width});
  const auto slice = [&](int64_t channels, memory::desc* dense_out) {
    const memory::desc dense = blocked_desc({state.batch, channels, state.height, state.width});
    if (dense_out) *dense_out = dense;
    const memory::desc desc =
        state.batch == 1 ? dense : whole.submemory_desc(dense.dims(), {0, 0, 0, 0});
    return memory(desc, engine(), DNNL_MEMORY_NONE);
  };
  state.parts.assign(n, memory());
  state.dense.assign(n, memory::desc());
  state.prefixes.assign(n, memory());
  for (size_t i = 0; i < n; ++i) {
    const int64_t end = i + 1 < n ? state.offsets[i + 1] : state.total;
    state.parts[i] = slice(end - state.offsets[i], &state.dense[i]);
    state.prefixes[i] = slice(end, nullptr);
  }
}

dnnl::memory ChainBuffers::at_offset(const State& state, const dnnl::memory& memory,
                                     int64_t offset) {
  memory.set_data_handle(static_cast<float*>(state.buffer.get()) +
                         offset * state.height * state.width);
  return memory;
}

void ChainBuffers::fill(State& state, size_t index, const CpuValue& value,
                        dnnl::stream& stream) {
  memory src = value.mem;
  memory dst = at_offset(state, state.parts[index], state.offsets[index]);
  state.filled[index] = true;
  const int64_t channels = value.dim(1), pixels = state.height * state.width;
  if (src.get_desc() != state.dense[index]) {
    reorder(src, dst, stream);
    return;
  }
  // Already in blocks: one contiguous run per image (oneDNN's generic strided reorder is
  // half as fast).
  note_kernel("zenith:copy_into_slot");
  const auto* from = static_cast<const float*>(src.get_data_handle());
  auto* to = static_cast<float*>(dst.get_data_handle());
  parallel_for(state.batch, state.batch * channels * pixels >= kParallelElements, [&](int64_t n) {
    std::copy_n(from + n * channels * pixels, channels * pixels, to + n * state.total * pixels);
  });
}

bool ChainBuffers::start(size_t chain, const Lookup& lookup, dnnl::stream& stream) {
  const ConcatChain& c = chains_.chains[chain];
  State& state = state_[chain];
  state.batch = state.height = state.width = state.total = 0;  // from an earlier try, if any
  // Each input's channels, as offsets: offsets[i] holds input i's count until the sum below.
  state.offsets.assign(c.inputs.size(), -1);
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    int64_t& channels = state.offsets[i];
    if (const CpuValue* v = lookup(c.input_slots[i])) {
      if (!v->is_f32() || v->rank() != 4) return false;
      if (state.height == 0) {
        state.batch = v->dim(0);
        state.height = v->dim(2);
        state.width = v->dim(3);
      }
      if (v->dim(0) != state.batch || v->dim(2) != state.height || v->dim(3) != state.width)
        return false;
      channels = v->dim(1);
    } else {
      channels = c.known_channels[i];
    }
    if (channels <= 0 || channels % channel_block() != 0) return false;
  }
  if (state.height == 0) return false;
  for (int64_t& offset : state.offsets) {
    const int64_t channels = offset;
    offset = state.total;
    state.total += channels;
  }
  make_slices(state);
  const size_t bytes =
      static_cast<size_t>(state.batch * state.total * state.height * state.width) * sizeof(float);
  state.buffer = run_buffer(bytes);
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
  return view(state, state.prefixes[count - 1], 0);
}

CpuValue ChainBuffers::view(const State& state, const dnnl::memory& memory, int64_t offset) {
  CpuValue v;
  v.mem = at_offset(state, memory, offset);
  v.owner = state.buffer;
  return v;
}

CpuValue ChainBuffers::slot_for(int slot) const {
  const auto [chain, index] = chains_.position_of_slot[static_cast<size_t>(slot)];
  if (chain == SIZE_MAX) return {};
  const State& state = state_[chain];
  const int64_t channels = chains_.chains[chain].known_channels[index];
  if (!state.active || state.batch != 1 || channels <= 0) return {};
  return view(state, state.parts[index], state.offsets[index]);
}

void ChainBuffers::produced(int slot, const CpuValue& value, const Lookup& lookup,
                            dnnl::stream& stream) {
  const auto [chain, index] = chains_.position_of_slot[static_cast<size_t>(slot)];
  if (chain == SIZE_MAX) return;
  State& state = state_[chain];
  if (!state.tried) {
    // `value` is not in its slot yet. (One reference captured: std::function holds it without
    // allocating.)
    const struct {
      int slot;
      const CpuValue& value;
      const Lookup& lookup;
    } produced{slot, value, lookup};
    // Until an input's channels are known (they may be only once it is produced), concat() tries.
    if (start(
            chain,
            [&produced](int s) {
              return s == produced.slot ? &produced.value : produced.lookup(s);
            },
            stream))
      state.tried = state.active = true;
    return;  // start() copied `value` into its part
  }
  if (!state.active) return;
  const int64_t expected = chains_.chains[chain].known_channels[index];
  if (!value.is_f32() || value.rank() != 4 || value.dim(0) != state.batch ||
      value.dim(1) != expected || value.dim(2) != state.height || value.dim(3) != state.width) {
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
