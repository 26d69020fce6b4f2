// Arena layout by lifetimes, and the per-run source that follows it.
#include "devices/cpu/arena.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "devices/cpu/buffer_pool.h"
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

std::shared_ptr<const ArenaLayout> ArenaCache::layout(const std::vector<int64_t>& key) const {
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

// One run's record, and the block it follows. The deleters of its buffers hold it, so a buffer
// that outlives the run keeps the block alive.
struct RunArena::State {
  std::vector<BufferLife> lives;
  std::shared_ptr<const ArenaLayout> layout;  // null: the run takes everything from the pool
  std::shared_ptr<std::byte> block;
  std::vector<bool> in_use;  // per buffer of the layout: handed out from the block, not released
  size_t live = 0;           // how many are
  bool diverged = false;     // asked for a buffer the layout does not have room for
};

RunArena::RunArena(ArenaCache& cache, std::vector<int64_t> key)
    : cache_(cache), key_(std::move(key)), state_(std::make_shared<State>()), outer_(active_arena) {
  {
    std::lock_guard<std::mutex> lock(cache_.mutex_);
    if (auto it = cache_.entries_.find(key_); it != cache_.entries_.end() && it->second.layout) {
      ArenaCache::Entry& entry = it->second;
      entry.last_use = ++cache_.uses_;
      state_->layout = entry.layout;
      if (!entry.free_blocks.empty()) {
        state_->block = std::move(entry.free_blocks.back());
        entry.free_blocks.pop_back();
      }
    }
  }
  if (state_->layout) {
    const size_t size = state_->layout->size;
    if (!state_->block && size > 0) {
      auto* p = static_cast<std::byte*>(std::aligned_alloc(64, size));
      if (!p) throw Error(Error::Kind::InvalidArgument, fmt::format("out of memory (an arena of {} bytes)", size));
      state_->block = std::shared_ptr<std::byte>(p, [](std::byte* q) { std::free(q); });
    }
    state_->in_use.assign(state_->layout->bytes.size(), false);
    state_->lives.reserve(state_->layout->bytes.size());
  }
  active_arena = this;
}

std::shared_ptr<void> RunArena::get(size_t bytes) {
  State& s = *state_;
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
      return std::shared_ptr<void>(s.block.get() + layout.offsets[i], [state = state_, i](void*) {
        state->lives[i].freed_at = static_cast<uint32_t>(state->lives.size());
        state->in_use[i] = false;
        --state->live;
      });
    }
  }
  std::shared_ptr<void> pooled = pool_buffer(bytes);
  void* p = pooled.get();
  return std::shared_ptr<void>(p, [state = state_, i, pooled = std::move(pooled)](void*) {
    state->lives[i].freed_at = static_cast<uint32_t>(state->lives.size());
  });
}

RunArena::~RunArena() {
  active_arena = outer_;
  State& s = *state_;
  // A record that differs from the layout replaces it; so does one made without a layout. A
  // buffer still in use outlived the run, which the layout did not foresee.
  const bool record =
      completed_ && (!s.layout || s.diverged || s.live != 0 || s.lives.size() != s.layout->bytes.size());
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
  // The block goes back unless a buffer in it outlived the run: then that buffer keeps it.
  if (entry && s.block && entry->layout == s.layout && s.live == 0) entry->free_blocks.push_back(std::move(s.block));
}

std::shared_ptr<void> run_buffer(size_t bytes) {
  return active_arena ? active_arena->get(bytes) : pool_buffer(bytes);
}

}  // namespace zenith::cpu
