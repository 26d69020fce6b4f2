// XXH64, the 64-bit xxHash checksum (seed 0), as the .zir format uses it (docs/ZIR.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace zenith::ir {

// The same value as the reference implementation's XXH64(data, size, 0) on every platform.
uint64_t xxhash64(std::span<const std::byte> data);

}  // namespace zenith::ir
