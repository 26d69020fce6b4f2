// The process-wide pools of freed CPU buffers and of shared_ptr control blocks.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace zenith::cpu {

// A 64-byte aligned buffer of `bytes` (a multiple of 64), from the pool of freed buffers when
// one of that size is there. Throws ResourceExhausted when the system has none left.
void* pool_take(size_t bytes);
// Gives `p` (from pool_take(bytes)) back to the pool.
void pool_give(void* p, size_t bytes);
// Frees every cached buffer and hands the freed heap back to the system (malloc_trim): for when
// what they held moves into a block of its own (a run's arena), lest the process hold both.
void pool_trim();
// pool_take's buffer, given back when the last holder releases it.
std::shared_ptr<void> pool_buffer(size_t bytes);

// Storage for shared_ptr control blocks, reused by size (one size per deleter type), so that
// handing out a buffer run after run allocates nothing once the first runs have.
class ControlBlocks {
 public:
  ControlBlocks() = default;
  ControlBlocks(const ControlBlocks&) = delete;
  ControlBlocks& operator=(const ControlBlocks&) = delete;
  ~ControlBlocks();
  void* take(size_t bytes);
  void give(void* p, size_t bytes);

 private:
  std::vector<void*>& of_size(size_t bytes);

  std::mutex mutex_;  // a buffer may be released on another thread (an output)
  std::vector<std::pair<size_t, std::vector<void*>>> free_;
};

// The control blocks of buffers that may outlive any run (the pool's own, a run's outputs).
ControlBlocks& pooled_control_blocks();

// An allocator for std::allocate_shared / shared_ptr's control block from pooled_control_blocks().
template <typename T>
struct PooledControlBlock {
  using value_type = T;
  PooledControlBlock() = default;
  template <typename U>
  PooledControlBlock(const PooledControlBlock<U>&) {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) { return static_cast<T*>(pooled_control_blocks().take(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { pooled_control_blocks().give(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const PooledControlBlock<U>&) const {
    return true;
  }
};

}  // namespace zenith::cpu
