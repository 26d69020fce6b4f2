// Freed buffers, kept by size for the next run: every run of a model asks for the same sizes,
// and fresh pages from the OS cost a page fault each. Bounded, so a model that is no longer run
// holds at most kMaxCached bytes.
#include "devices/cpu/buffer_pool.h"

#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "ir/errors.h"

namespace zenith::cpu {
namespace {

class BufferPool {
 public:
  std::shared_ptr<void> get(size_t bytes) {
    void* p = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = free_.find(bytes); it != free_.end()) {
        p = it->second;
        free_.erase(it);
        cached_ -= bytes;
      }
    }
    if (!p) p = std::aligned_alloc(64, bytes);
    if (!p)
      throw Error(Error::Kind::ResourceExhausted, fmt::format("out of memory ({} bytes)", bytes));
    return std::shared_ptr<void>(p, [this, bytes](void* q) { put(q, bytes); });
  }

 private:
  void put(void* p, size_t bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (cached_ + bytes > kMaxCached) {
      std::free(p);
      return;
    }
    free_.emplace(bytes, p);
    cached_ += bytes;
  }

  static constexpr size_t kMaxCached = size_t{2} << 30;
  std::mutex mutex_;
  std::unordered_multimap<size_t, void*> free_;
  size_t cached_ = 0;
};

}  // namespace

std::shared_ptr<void> pool_buffer(size_t bytes) {
  // Never destroyed: buffers held by static objects may come back during exit.
  static auto* pool = new BufferPool;
  return pool->get(bytes);
}

}  // namespace zenith::cpu
