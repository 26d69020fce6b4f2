// IEEE half (Float16) and bfloat16 (BFloat16) storage types that convert to and from float.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace zenith::ir {

// Kernels compute on float and store 16 bits; the implicit conversions let generic code write
// `T(float(a) + float(b))` for every floating type.
struct Float16 {
  uint16_t bits = 0;

  Float16() = default;
  Float16(float value) : bits(from_float(value)) {}  // NOLINT(google-explicit-constructor)
  operator float() const { return to_float(bits); }   // NOLINT(google-explicit-constructor)
  static Float16 from_bits(uint16_t b) {
    Float16 h;
    h.bits = b;
    return h;
  }

  static float to_float(uint16_t h);
  static uint16_t from_float(float f);
};

// dst[i] = Float16::to_float(src[i]) for i < n, eight at a time with the F16C instructions where
// the CPU has them (one signalling NaN pattern then comes out quiet).
void widen_f16(const uint16_t* src, float* dst, size_t n);

struct BFloat16 {
  uint16_t bits = 0;

  BFloat16() = default;
  BFloat16(float value) : bits(from_float(value)) {}  // NOLINT(google-explicit-constructor)
  operator float() const {                             // NOLINT(google-explicit-constructor)
    return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
  }
  static BFloat16 from_bits(uint16_t b) {
    BFloat16 h;
    h.bits = b;
    return h;
  }

  // Round to nearest even, keeping NaN a (quiet) NaN.
  static uint16_t from_float(float f) {
    const uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);
    const uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>((u + rounding) >> 16);
  }
};

}  // namespace zenith::ir
