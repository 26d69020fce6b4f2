// The process-wide pool of freed CPU buffers.
#pragma once

#include <cstddef>
#include <memory>

namespace zenith::cpu {

// A 64-byte aligned buffer of `bytes` (a multiple of 64), from the pool of freed buffers when
// one of that size is there; released back to the pool.
std::shared_ptr<void> pool_buffer(size_t bytes);

}  // namespace zenith::cpu
