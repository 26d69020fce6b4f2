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

// e^x in every lane, within 2e-7 relative (Cephes' expf: x = n ln 2 + r, |r| <= ln 2 / 2, a
// degree-6 polynomial in r, times 2^n built in the exponent bits). x is clamped to [-87.3, 88.3],
// so the result is a normal float: 0 and infinity never come out.
template <typename V>
[[gnu::always_inline]] inline V exp(V x) {
  using I = typename Lanes<sizeof(V) / sizeof(float)>::I;
  x = x < -87.3f ? splat<V>(-87.3f) : x;
  x = x > 88.3f ? splat<V>(88.3f) : x;
  const V t = x * 1.44269504f;  // log2(e)
  const I n = __builtin_convertvector(t + (t < 0.0f ? splat<V>(-0.5f) : splat<V>(0.5f)), I);
  const V nf = __builtin_convertvector(n, V);
  const V r = x - nf * 0.693359375f + nf * 2.12194440e-4f;  // ln 2 in two parts
  V p = splat<V>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const V y = p * r * r + r + 1.0f;
  V scale;
  const I bits = (n + 127) << 23;
  std::memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

}  // namespace zenith::cpu::simd
