// The CPU device's own vector loops: GCC's generic vectors of `kLanes` floats, the register
// width of the target a loop is built for (AVX-512 16, AVX2 8, SSE 4).
//
// Every function taking or returning one is inlined into a function built for its target (so
// GCC's -Wpsabi note is off, CMakeLists.txt).
#pragma once

#include <cstdint>
#include <cstring>

namespace zenith::cpu::simd {

// (GCC drops vector_size on an alias that depends on a template parameter: one per width.)
template <int kLanes>
struct Lanes;
template <>
struct Lanes<16> {
  using F = float __attribute__((vector_size(64)));
  using I = int32_t __attribute__((vector_size(64)));
};
template <>
struct Lanes<8> {
  using F = float __attribute__((vector_size(32)));
  using I = int32_t __attribute__((vector_size(32)));
};
template <>
struct Lanes<4> {
  using F = float __attribute__((vector_size(16)));
  using I = int32_t __attribute__((vector_size(16)));
};

template <typename V>
[[gnu::always_inline]] inline V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V>
[[gnu::always_inline]] inline void store(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}
template <typename V>
[[gnu::always_inline]] inline V splat(float x) {
  return V{} + x;
}

}  // namespace zenith::cpu::simd
