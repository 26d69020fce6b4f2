// Arena: the buffers of one run laid out in one block by their lifetimes.
//
// oneDNN picks each step's layout, and so its buffer's size, when the step first runs with
// given shapes; batch dims are symbolic until then. So a plan does not lay its arena out ahead:
// every run records its buffers' sizes and lifetimes, the first run with some input shapes
// takes its buffers from the pool, and its record becomes the layout (`plan_arena`) that later
// runs with those shapes follow, each in a block of its own. A run asks for the same buffers in
// the same order every time, but nothing is trusted: a run hands out a buffer from its block
// only if its size is the one laid out and every buffer sharing its bytes has been released.
// Otherwise it takes the rest from the pool, and its own record replaces the layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <utility>
#include <vector>

#include "ir/dims.h"

namespace zenith::cpu {

// How long one buffer of a recorded run lived.
struct BufferLife {
  static constexpr uint32_t kAliveAtEnd = UINT32_MAX;
  size_t bytes = 0;
  uint32_t freed_at = kAliveAtEnd;  // how many buffers the run had asked for when it was freed
};

// Where each buffer of a run goes, in the order the run asks for them.
struct ArenaLayout {
  static constexpr size_t kOutside = SIZE_MAX;
  std::vector<size_t> bytes;
  std::vector<size_t> offsets;  // kOutside: it outlives the run (e.g. an output), from the pool
  std::vector<std::vector<uint32_t>> shares_with;  // the earlier buffers whose bytes it reuses
  size_t size = 0;   // the block's bytes
  size_t total = 0;  // the bytes of all buffers inside, were each on its own
};

// Offsets such that buffers alive at the same time never share a byte: largest first, each at
// the lowest offset free throughout its life. Offsets are multiples of 64 when sizes are.
ArenaLayout plan_arena(const std::vector<BufferLife>& lives);

// What a run's buffers depend on (its input shapes and thread count, runtime/plan.cpp), as
// integers held in place: a run builds its key without allocating.
using ArenaKey = ir::Dims;

// One run's record and block (arena.cpp).
struct RunArenaState;

// The layouts of one plan's runs, by input shapes, with the blocks no run is using.
class ArenaCache {
 public:
  // The layout for inputs of shapes `key`, or null before a run with them has completed.
  std::shared_ptr<const ArenaLayout> layout(const ArenaKey& key) const;
  // The layout used or laid out last, or null before a run has completed.
  std::shared_ptr<const ArenaLayout> latest() const;

 private:
  friend class RunArena;
  struct Entry {
    std::shared_ptr<const ArenaLayout> layout;
    // The states (each with its block) of runs that followed the layout, for later runs: a
    // state is taken again once nothing it handed out is alive.
    std::vector<std::shared_ptr<RunArenaState>> idle;
    uint64_t last_use = 0;
  };
  static constexpr size_t kMaxShapes = 8;  // beyond, the least recently used is dropped
  // The most bytes of idle blocks kept for other keys (shapes, thread counts) when a run needs
  // new memory: beyond, they are freed, and their next run lays its block out anew. A training
  // step's block is gigabytes, and the thread governor's probes of half the threads would keep
  // two of them.
  static constexpr size_t kMaxIdleBytes = size_t{1} << 30;

  mutable std::mutex mutex_;
  std::map<ArenaKey, Entry> entries_;
  uint64_t uses_ = 0;
};

// The source of the calling thread's CPU buffers while it exists (`run_buffer`). Declared
// before, so destroyed after, everything that holds the run's buffers.
class RunArena {
 public:
  RunArena(ArenaCache& cache, ArenaKey key);
  ~RunArena();
  RunArena(const RunArena&) = delete;
  RunArena& operator=(const RunArena&) = delete;

  // The run succeeded: its record may become the layout.
  void complete() { completed_ = true; }
  std::shared_ptr<void> get(size_t bytes);
  // A buffer for `desc` and oneDNN memory over it. A run that follows the layout gets the
  // memory object the same buffer had in the last run with this state, when its desc is the
  // same: creating one allocates inside oneDNN.
  std::pair<dnnl::memory, std::shared_ptr<void>> get_memory(const dnnl::memory::desc& desc,
                                                            size_t bytes);
  // oneDNN memory of `desc` over `data` (a view of bytes the caller holds). A run that follows
  // the layout gets the memory object its same-numbered view had in the last run with this
  // state, pointed at `data`, when its desc is the same.
  dnnl::memory view(const dnnl::memory::desc& desc, void* data);

 private:
  std::shared_ptr<void> hand_out(size_t bytes, const dnnl::memory::desc* desc,
                                 dnnl::memory* memory);
  // Frees the idle blocks of other keys when, with `incoming` more bytes, they pass
  // ArenaCache::kMaxIdleBytes. REQUIRES: cache_.mutex_ held.
  void drop_idle_blocks(size_t incoming);

  ArenaCache& cache_;
  ArenaKey key_;
  std::shared_ptr<RunArenaState> state_;  // shared with the buffers handed out
  RunArena* outer_;
  bool completed_ = false;
};

// While one exists, the calling thread's buffers come from the pool, not from its RunArena:
// for work a step does once, when it is built (timing kernels), which the run's record must not
// hold, or the next run, which does not do it, would not follow the layout.
class OutsideRunArena {
 public:
  OutsideRunArena();
  ~OutsideRunArena();
  OutsideRunArena(const OutsideRunArena&) = delete;
  OutsideRunArena& operator=(const OutsideRunArena&) = delete;

 private:
  RunArena* saved_;
};

// A 64-byte aligned buffer of at least `bytes`, rounded up to whole 64-byte lines (at least one,
// so aligned_alloc's size rule holds for empty tensors): from the calling thread's RunArena if
// it has one, else from the pool.
std::shared_ptr<void> run_buffer(size_t bytes);
// The same for oneDNN memory of `desc` over such a buffer.
std::pair<dnnl::memory, std::shared_ptr<void>> run_memory(const dnnl::memory::desc& desc);
// oneDNN memory of `desc` over `data`, which the caller keeps alive, for the current step: from
// the calling thread's RunArena if it has one (RunArena::view), else a new object. Valid until
// the run ends.
dnnl::memory run_view(const dnnl::memory::desc& desc, void* data);

}  // namespace zenith::cpu
