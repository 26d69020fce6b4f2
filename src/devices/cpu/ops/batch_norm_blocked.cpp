// Batch norm over channel blocks: per block, a pass for each reduction and one to write, the
// block's lanes one vector. A block's sums run in f32 over one image's pixels, then add up in
// f64, so that 50,000-element channels keep f32's precision. Each loop is built twice, for the
// baseline ISA and for AVX-512, taken where oneDNN runs with it (cpu_isa.h): 16 lanes a vector
// rather than 4.
#include "devices/cpu/ops/batch_norm_blocked.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "devices/cpu/cpu_isa.h"
#include "devices/cpu/parallel.h"

namespace zenith::cpu {
namespace {

// dy[i], or 0 where kRelu and relu_y[i] is not positive.
template <bool kRelu>
[[gnu::always_inline]] inline float masked(const float* dy, const float* relu_y, int64_t i) {
  if constexpr (kRelu) {
    const float g = dy[i];
    return relu_y[i] > 0.0f ? g : 0.0f;
  }
  return dy[i];
}

// Where image n's part of channel block b starts in a tensor whose images are `blocks` blocks
// apart. (The loops over images are plain loops, not a helper taking a lambda: the AVX-512
// build inlines only what is inlined into it.)
int64_t image_start(const BlockedShape& s, int64_t blocks, int64_t b, int64_t n) {
  return (n * blocks + b) * s.pixels * s.block;
}

template <int kBlock, bool kRelu>
[[gnu::always_inline]] inline void forward_block(const BlockedShape& s, int64_t b, const float* x,
                                                 const float* scale, const float* shift,
                                                 float epsilon, float* y, float* mean, float* var) {
  const double count = static_cast<double>(s.batch * s.pixels);
  double sum[kBlock] = {}, sq[kBlock] = {};
  for (int64_t n = 0; n < s.batch; ++n) {
    const int64_t at = image_start(s, s.blocks, b, n);
    const float* xn = x + image_start(s, s.x_blocks, b, n) - at;  // x's image n, indexed as y's
    float part[kBlock] = {};
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) part[k] += xn[at + p * kBlock + k];
    for (int k = 0; k < kBlock; ++k) sum[k] += part[k];
  }
  float m[kBlock], a[kBlock], t[kBlock];
  for (int k = 0; k < kBlock; ++k) m[k] = static_cast<float>(sum[k] / count);
  for (int64_t n = 0; n < s.batch; ++n) {
    const int64_t at = image_start(s, s.blocks, b, n);
    const float* xn = x + image_start(s, s.x_blocks, b, n) - at;  // x's image n, indexed as y's
    float part[kBlock] = {};
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) {
        const float d = xn[at + p * kBlock + k] - m[k];
        part[k] += d * d;
      }
    for (int k = 0; k < kBlock; ++k) sq[k] += part[k];
  }
  for (int k = 0; k < kBlock; ++k) {
    const int64_t c = b * kBlock + k;
    mean[c] = m[k];
    var[c] = static_cast<float>(sq[k] / count);
    a[k] = scale[c] / std::sqrt(var[c] + epsilon);
    t[k] = shift[c] - m[k] * a[k];
  }
  for (int64_t n = 0; n < s.batch; ++n) {
    const int64_t at = image_start(s, s.blocks, b, n);
    const float* xn = x + image_start(s, s.x_blocks, b, n) - at;  // x's image n, indexed as y's
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) {
        const float v = xn[at + p * kBlock + k] * a[k] + t[k];
        y[at + p * kBlock + k] = kRelu ? std::max(v, 0.0f) : v;
      }
  }
}

// kRelu: dy counts where relu_y > 0 (each pass reads it again rather than store the masked dy;
// both loaded unconditionally, so the select vectorizes).
template <int kBlock, bool kRelu>
[[gnu::always_inline]] inline void backward_block(const BlockedShape& s, int64_t b, const float* x,
                                                  const float* dy, const float* relu_y,
                                                  const float* scale, const float* mean,
                                                  const float* var, float epsilon, float* dx,
                                                  float* dscale, float* dshift) {
  const double count = static_cast<double>(s.batch * s.pixels);
  const float* m = mean + b * kBlock;
  double sum_dy[kBlock] = {}, sum_dy_x[kBlock] = {};  // sum dy (x - mean)
  for (int64_t n = 0; n < s.batch; ++n) {
    const int64_t at = image_start(s, s.blocks, b, n);
    const float* xn = x + image_start(s, s.x_blocks, b, n) - at;  // x's image n, indexed as y's
    float part_dy[kBlock] = {}, part_dy_x[kBlock] = {};
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) {
        const int64_t i = at + p * kBlock + k;
        const float g = masked<kRelu>(dy, relu_y, i);
        part_dy[k] += g;
        part_dy_x[k] += g * (xn[i] - m[k]);
      }
    for (int k = 0; k < kBlock; ++k) {
      sum_dy[k] += part_dy[k];
      sum_dy_x[k] += part_dy_x[k];
    }
  }
  // dx = gain (dy - dshift / M) - (x - mean) slope, per lane.
  float gain[kBlock], offset[kBlock], slope[kBlock];
  for (int k = 0; k < kBlock; ++k) {
    const int64_t c = b * kBlock + k;
    const double inv_std = 1.0 / std::sqrt(static_cast<double>(var[c]) + epsilon);
    dshift[c] = static_cast<float>(sum_dy[k]);
    dscale[c] = static_cast<float>(sum_dy_x[k] * inv_std);
    gain[k] = static_cast<float>(scale[c] * inv_std);
    offset[k] = static_cast<float>(sum_dy[k] / count);
    slope[k] = static_cast<float>(scale[c] * inv_std * inv_std * inv_std * sum_dy_x[k] / count);
  }
  for (int64_t n = 0; n < s.batch; ++n) {
    const int64_t at = image_start(s, s.blocks, b, n);
    const float* xn = x + image_start(s, s.x_blocks, b, n) - at;  // x's image n, indexed as y's
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) {
        const int64_t i = at + p * kBlock + k;
        dx[i] = gain[k] * (masked<kRelu>(dy, relu_y, i) - offset[k]) - (xn[i] - m[k]) * slope[k];
      }
  }
}

template <int kBlock, bool kRelu, typename... Args>
[[gnu::target("arch=x86-64-v4")]] void forward_block_avx512(Args... args) {
  forward_block<kBlock, kRelu>(args...);
}

template <int kBlock, bool kRelu, typename... Args>
[[gnu::target("arch=x86-64-v4")]] void backward_block_avx512(Args... args) {
  backward_block<kBlock, kRelu>(args...);
}

bool worth_splitting(const BlockedShape& s) {
  return s.batch * s.blocks * s.pixels * s.block >= kParallelElements;
}

// pick(std::integral_constant block, std::bool_constant relu) for `block` (16 or 8) and `relu`:
// the kernel instance it returns.
template <typename Pick>
auto instance(int64_t block, bool relu, const Pick& pick) {
  using Sixteen = std::integral_constant<int, 16>;
  using Eight = std::integral_constant<int, 8>;
  if (block == 16)
    return relu ? pick(Sixteen{}, std::true_type{}) : pick(Sixteen{}, std::false_type{});
  return relu ? pick(Eight{}, std::true_type{}) : pick(Eight{}, std::false_type{});
}

using ForwardKernel = void (*)(const BlockedShape&, int64_t, const float*, const float*,
                               const float*, float, float*, float*, float*);
using BackwardKernel = void (*)(const BlockedShape&, int64_t, const float*, const float*,
                                const float*, const float*, const float*, const float*, float,
                                float*, float*, float*);

}  // namespace

void batch_norm_forward_blocked(const BlockedShape& s, const float* x, const float* scale,
                                const float* shift, float epsilon, bool relu, float* y, float* mean,
                                float* var) {
  const ForwardKernel kernel = instance(s.block, relu, [](auto block, auto fused) -> ForwardKernel {
    using Shape = const BlockedShape&;
    using In = const float*;
    if (avx512_core())
      return &forward_block_avx512<block(), fused(), Shape, int64_t, In, In, In, float, float*,
                                   float*, float*>;
    return &forward_block<block(), fused()>;
  });
  parallel_for(s.blocks, worth_splitting(s),
               [&](int64_t b) { kernel(s, b, x, scale, shift, epsilon, y, mean, var); });
}

void batch_norm_backward_blocked(const BlockedShape& s, const float* x, const float* dy,
                                 const float* relu_y, const float* scale, const float* mean,
                                 const float* var, float epsilon, float* dx, float* dscale,
                                 float* dshift) {
  const BackwardKernel kernel =
      instance(s.block, relu_y != nullptr, [](auto block, auto relu) -> BackwardKernel {
        using Shape = const BlockedShape&;
        using In = const float*;
        if (avx512_core())
          return &backward_block_avx512<block(), relu(), Shape, int64_t, In, In, In, In, In, In,
                                        float, float*, float*, float*>;
        return &backward_block<block(), relu()>;
      });
  parallel_for(s.blocks, worth_splitting(s), [&](int64_t b) {
    kernel(s, b, x, dy, relu_y, scale, mean, var, epsilon, dx, dscale, dshift);
  });
}

}  // namespace zenith::cpu
