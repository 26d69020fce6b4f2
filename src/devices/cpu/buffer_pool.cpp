// Freed buffers, kept by size for the next run: every run of a model asks for the same sizes,
// and fresh pages from the OS cost a page fault each. Bounded, so a model that is no longer run
// holds at most kMaxCached bytes. The free list is a vector, not a map: giving a buffer back
// allocates nothing once it has grown to the number of buffers in flight.
#include "devices/cpu/buffer_pool.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>

#include "ir/errors.h"
#include "ir/glibc_malloc.h"

namespace zenith::cpu {
namespace {

class BufferPool {
 public:
  void* take(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it =
          std::find_if(free_.begin(), free_.end(), [&](const auto& f) { return f.first == bytes; });
      if (it != free_.end()) {
        void* p = it->second;
        *it = free_.back();
        free_.pop_back();
        cached_ -= bytes;
        return p;
      }
    }
    void* p = std::aligned_alloc(64, bytes);
    if (!p)
      throw Error(Error::Kind::ResourceExhausted, fmt::format("out of memory ({} bytes)", bytes));
    return p;
  }

  void trim() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& [bytes, p] : free_) std::free(p);
      free_.clear();
      cached_ = 0;
    }
#if ZENITH_GLIBC_MALLOC
    malloc_trim(0);
#endif
  }
  void give(void* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ + bytes > kMaxCached) {
      std::free(p);
      return;
    }
    free_.emplace_back(bytes, p);
    cached_ += bytes;
  }

 private:
  static constexpr size_t kMaxCached = size_t{2} << 30;
  std::mutex mutex_;
  std::vector<std::pair<size_t, void*>> free_;
  size_t cached_ = 0;
};

// Never destroyed: buffers held by static objects may come back during exit.
BufferPool& pool() {
  static auto* p = new BufferPool;
  return *p;
}

}  // namespace

void* pool_take(size_t bytes) { return pool().take(bytes); }

void pool_give(void* p, size_t bytes) { pool().give(p, bytes); }
void pool_trim() { pool().trim(); }

std::shared_ptr<void> pool_buffer(size_t bytes) {
  return std::shared_ptr<void>(
      pool_take(bytes), [bytes](void* p) { pool_give(p, bytes); }, PooledControlBlock<char>());
}

ControlBlocks::~ControlBlocks() {
  for (auto& [bytes, chunks] : free_)
    for (void* p : chunks) ::operator delete(p);
}

void* ControlBlocks::take(size_t bytes) {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<void*>& chunks = of_size(bytes);
  if (chunks.empty()) return ::operator new(bytes);
  void* p = chunks.back();
  chunks.pop_back();
  return p;
}

void ControlBlocks::give(void* p, size_t bytes) {
  const std::lock_guard<std::mutex> lock(mutex_);
  of_size(bytes).push_back(p);
}

std::vector<void*>& ControlBlocks::of_size(size_t bytes) {
  for (auto& [size, chunks] : free_)
    if (size == bytes) return chunks;
  return free_.emplace_back(bytes, std::vector<void*>()).second;
}

ControlBlocks& pooled_control_blocks() {
  static auto* blocks = new ControlBlocks;  // never destroyed, as the pool
  return *blocks;
}

}  // namespace zenith::cpu
