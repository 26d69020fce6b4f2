// Arena layout by lifetimes, and the per-run source that follows it.
#include "devices/cpu/arena.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "devices/cpu/buffer_pool.h"
#include "devices/cpu/cpu_value.h"
#include "ir/errors.h"

namespace zenith::cpu {
namespace {

thread_local RunArena* active_arena = nullptr;

// Buffers i < j are alive together unless i was freed before j was asked for.
bool alive_together(const std::vector<BufferLife>& lives, uint32_t a, uint32_t b) {
  const auto [first, second] = std::minmax(a, b);
  return second < lives[first].freed_at;
}

}  // namespace

ArenaLayout plan_arena(const std::vector<BufferLife>& lives) {
  const auto n = static_cast<uint32_t>(lives.size());
  ArenaLayout layout;
  layout.offsets.assign(n, ArenaLayout::kOutside);
  layout.shares_with.resize(n);
  std::vector<uint32_t> order;
  for (uint32_t i = 0; i < n; ++i) {
    layout.bytes.push_back(lives[i].bytes);
    if (lives[i].freed_at != BufferLife::kAliveAtEnd) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return lives[a].bytes > lives[b].bytes; });
  std::vector<uint32_t> placed;
  std::vector<std::pair<size_t, size_t>> busy;  // [begin, end) of placed buffers alive with it
  for (uint32_t j : order) {
    busy.clear();
    for (uint32_t i : placed)
      if (alive_together(lives, i, j)) busy.emplace_back(layout.offsets[i], layout.offsets[i] + lives[i].bytes);
    std::sort(busy.begin(), busy.end());
    size_t at = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= at + lives[j].bytes) break;
      at = std::max(at, end);
    }
    layout.offsets[j] = at;
    layout.size = std::max(layout.size, at + lives[j].bytes);
    layout.total += lives[j].bytes;
    placed.push_back(j);
  }
  for (uint32_t j = 0; j < n; ++j) {
    if (layout.offsets[j] == ArenaLayout::kOutside) continue;
    for (uint32_t i = 0; i < j; ++i)
      if (layout.offsets[i] != ArenaLayout::kOutside && layout.offsets[i] < layout.offsets[j] + lives[j].bytes &&
          layout.offsets[j] < layout.offsets[i] + lives[i].bytes)
        layout.shares_with[j].push_back(i);
  }
  return layout;
}

std::shared_ptr<const ArenaLayout> ArenaCache::layout(const ArenaKey& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second.layout;
}

std::shared_ptr<const ArenaLayout> ArenaCache::latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto newest = std::max_element(entries_.begin(), entries_.end(),
                                 [](const auto& a, const auto& b) { return a.second.last_use < b.second.last_use; });
  return newest == entries_.end() ? nullptr : newest->second.layout;
}

// One run's record, and the block it follows. The buffers it hands out from the block hold
// it, so one that outlives the run keeps the block alive; an idle state is reused once none
// is alive.
struct RunArenaState {
  explicit RunArenaState(std::shared_ptr<const ArenaLayout> l) : layout(std::move(l)) {}

  std::vector<BufferLife> lives;
  std::shared_ptr<const ArenaLayout> layout;  // null: the run takes everything from the pool
  std::unique_ptr<std::byte, decltype(&std::free)> block{nullptr, &std::free};
  std::vector<bool> in_use;  // per buffer of the layout: handed out from the block, not released
  std::vector<dnnl::memory> memories;  // per buffer of the layout: its last memory object
  std::vector<dnnl::memory> views;     // per view the run asked for, in order: its last one
  size_t next_view = 0;
  size_t live = 0;                     // how many are in use
  bool diverged = false;               // asked for a buffer the layout does not have room for
  ControlBlocks control_blocks;
  // Which run of this state is recording, for buffers from the pool: those hold the state only
  // weakly (an output kept by the caller must not keep the block), and one released after its
  // run, on any thread, must not write into a later run's record.
  std::mutex record_mutex;
  uint64_t run = 0;

  void restart() {
    const std::lock_guard<std::mutex> lock(record_mutex);
    ++run;
    lives.clear();
    in_use.assign(layout->bytes.size(), false);
    live = 0;
    diverged = false;
    next_view = 0;
  }
};

namespace {

// Allocates the control blocks of a state's shared_ptrs from the state, which it keeps alive.
template <typename T>
struct ControlBlockAllocator {
  using value_type = T;
  std::shared_ptr<RunArenaState> state;
  template <typename U>
  ControlBlockAllocator(const ControlBlockAllocator<U>& other) : state(other.state) {}
  explicit ControlBlockAllocator(std::shared_ptr<RunArenaState> s) : state(std::move(s)) {}
  T* allocate(size_t n) { return static_cast<T*>(state->control_blocks.take(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { state->control_blocks.give(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const ControlBlockAllocator<U>& other) const {
    return state == other.state;
  }
};

}  // namespace

void RunArena::drop_idle_blocks(size_t incoming) {
  size_t bytes = incoming;
  for (const auto& [key, entry] : cache_.entries_)
    for (const auto& state : entry.idle)
      if (key != key_ && state->layout) bytes += state->layout->size;
  if (bytes <= ArenaCache::kMaxIdleBytes) return;
  for (auto& [key, entry] : cache_.entries_)
    if (key != key_)
      std::erase_if(entry.idle, [](const auto& state) { return state.use_count() == 1; });
}

RunArena::RunArena(ArenaCache& cache, ArenaKey key)
    : cache_(cache), key_(std::move(key)), outer_(active_arena) {
  {
    std::lock_guard<std::mutex> lock(cache_.mutex_);
    if (auto it = cache_.entries_.find(key_); it != cache_.entries_.end() && it->second.layout) {
      ArenaCache::Entry& entry = it->second;
      entry.last_use = ++cache_.uses_;
      auto idle = std::find_if(entry.idle.begin(), entry.idle.end(),
                               [](const auto& state) { return state.use_count() == 1; });
      if (idle != entry.idle.end()) {
        state_ = std::move(*idle);
        entry.idle.erase(idle);
      } else {
        state_ = std::make_shared<RunArenaState>(entry.layout);
        drop_idle_blocks(entry.layout->size);
      }
    }
    if (!state_) drop_idle_blocks(0);  // a recording run: its buffers come from the pool
  }
  if (!state_) state_ = std::make_shared<RunArenaState>(nullptr);
  if (state_->layout) {
    const size_t size = state_->layout->size;
    if (!state_->block && size > 0) {
      // The pool caches the buffers of the run that was recorded, which the block replaces: a
      // training step's activations are gigabytes.
      pool_trim();
      state_->block.reset(static_cast<std::byte*>(std::aligned_alloc(64, size)));
      if (!state_->block)
        throw Error(Error::Kind::ResourceExhausted,
                    fmt::format("out of memory (an arena of {} bytes)", size));
    }
    // Every buffer of the layout keeps its memory object, those outside the block (outputs) too.
    state_->memories.resize(state_->layout->bytes.size());
    state_->restart();
    state_->lives.reserve(state_->layout->bytes.size());
  }
  active_arena = this;
}

std::shared_ptr<void> RunArena::get(size_t bytes) { return hand_out(bytes, nullptr, nullptr); }

std::pair<dnnl::memory, std::shared_ptr<void>> RunArena::get_memory(const dnnl::memory::desc& desc,
                                                                    size_t bytes) {
  std::pair<dnnl::memory, std::shared_ptr<void>> out;
  out.second = hand_out(bytes, &desc, &out.first);
  if (!out.first) out.first = dnnl::memory(desc, engine(), out.second.get());
  return out;
}

dnnl::memory RunArena::view(const dnnl::memory::desc& desc, void* data) {
  RunArenaState& s = *state_;
  if (!s.layout) return dnnl::memory(desc, engine(), data);
  const size_t i = s.next_view++;
  if (i == s.views.size()) s.views.emplace_back();
  dnnl::memory& kept = s.views[i];
  if (kept && kept.get_desc() == desc)
    kept.set_data_handle(data);
  else
    kept = dnnl::memory(desc, engine(), data);
  return kept;
}

std::shared_ptr<void> RunArena::hand_out(size_t bytes, const dnnl::memory::desc* desc,
                                         dnnl::memory* memory) {
  RunArenaState& s = *state_;
  const auto i = static_cast<uint32_t>(s.lives.size());
  s.lives.push_back({bytes});
  if (s.layout && !s.diverged) {
    const ArenaLayout& layout = *s.layout;
    s.diverged = i >= layout.bytes.size() || layout.bytes[i] != bytes ||
                 std::any_of(layout.shares_with[i].begin(), layout.shares_with[i].end(),
                             [&](uint32_t k) { return s.in_use[k]; });
    if (!s.diverged && layout.offsets[i] != ArenaLayout::kOutside) {
      s.in_use[i] = true;
      ++s.live;
      std::byte* p = s.block.get() + layout.offsets[i];
      if (desc) {
        dnnl::memory& kept = s.memories[i];
        if (!kept || kept.get_desc() != *desc) kept = dnnl::memory(*desc, engine(), p);
        *memory = kept;
      }
      return std::shared_ptr<void>(
          p,
          [state = state_.get(), i](void*) {
            state->lives[i].freed_at = static_cast<uint32_t>(state->lives.size());
            state->in_use[i] = false;
            --state->live;
          },
          ControlBlockAllocator<char>(state_));
    }
  }
  // Outside the block (an output, or a run the layout did not foresee): from the pool. The
  // memory object is the state's for this buffer, as for those in the block.
  void* p = pool_take(bytes);
  if (desc && !s.diverged && s.layout) {
    dnnl::memory& kept = s.memories[i];
    if (!kept || kept.get_desc() != *desc)
      kept = dnnl::memory(*desc, engine(), p);
    else
      kept.set_data_handle(p);
    *memory = kept;
  }
  return std::shared_ptr<void>(
      p,
      [weak = std::weak_ptr<RunArenaState>(state_), run = s.run, i, bytes](void* q) {
        pool_give(q, bytes);
        const std::shared_ptr<RunArenaState> state = weak.lock();
        if (!state) return;
        const std::lock_guard<std::mutex> lock(state->record_mutex);
        if (state->run == run)
          state->lives[i].freed_at = static_cast<uint32_t>(state->lives.size());
      },
      PooledControlBlock<char>());
}

OutsideRunArena::OutsideRunArena() : saved_(active_arena) { active_arena = nullptr; }

OutsideRunArena::~OutsideRunArena() { active_arena = saved_; }

RunArena::~RunArena() {
  active_arena = outer_;
  RunArenaState& s = *state_;
  // A record that differs from the layout replaces it; so does one made without a layout. A
  // buffer still in use outlived the run, which the layout did not foresee.
  const bool record = completed_ && (!s.layout || s.diverged || s.live != 0 ||
                                     s.lives.size() != s.layout->bytes.size());
  std::shared_ptr<const ArenaLayout> fresh =
      record ? std::make_shared<const ArenaLayout>(plan_arena(s.lives)) : nullptr;
  std::lock_guard<std::mutex> lock(cache_.mutex_);
  ArenaCache::Entry* entry = nullptr;
  if (auto it = cache_.entries_.find(key_); it != cache_.entries_.end()) entry = &it->second;
  if (fresh) {
    if (!entry) {
      if (cache_.entries_.size() >= ArenaCache::kMaxShapes)
        cache_.entries_.erase(std::min_element(cache_.entries_.begin(), cache_.entries_.end(),
                                               [](const auto& a, const auto& b) {
                                                 return a.second.last_use < b.second.last_use;
                                               }));
      entry = &cache_.entries_[key_];
    }
    *entry = ArenaCache::Entry{std::move(fresh), {}, ++cache_.uses_};
    return;
  }
  // The state goes back for a later run with this layout; one whose buffer outlived the run is
  // taken only once that buffer is released.
  if (entry && s.layout && entry->layout == s.layout) entry->idle.push_back(std::move(state_));
}

namespace {

size_t whole_lines(size_t bytes) { return (std::max<size_t>(bytes, 1) + 63) / 64 * 64; }

}  // namespace

std::shared_ptr<void> run_buffer(size_t bytes) {
  bytes = whole_lines(bytes);
  return active_arena ? active_arena->get(bytes) : pool_buffer(bytes);
}

std::pair<dnnl::memory, std::shared_ptr<void>> run_memory(const dnnl::memory::desc& desc) {
  const size_t bytes = whole_lines(desc.get_size());
  if (active_arena) return active_arena->get_memory(desc, bytes);
  std::shared_ptr<void> buffer = pool_buffer(bytes);
  return {dnnl::memory(desc, engine(), buffer.get()), std::move(buffer)};
}

dnnl::memory run_view(const dnnl::memory::desc& desc, void* data) {
  return active_arena ? active_arena->view(desc, data) : dnnl::memory(desc, engine(), data);
}

}  // namespace zenith::cpu
