// Batch norm over channel blocks: per block, a pass for each reduction and one to write, the
// block's lanes one vector. A block's sums run in f32 over one image's pixels, then add up in
// f64, so that 50,000-element channels keep f32's precision; the forward's sum of squares is
// about each image's own mean, so that a batch's statistics come out the same (but for f64's
// rounding in another order) however data-parallel replicas split its images (sync). Each loop
// is built twice, for the baseline ISA and for AVX-512, taken where oneDNN runs with it
// (cpu_isa.h): 16 lanes a vector rather than 4. For a batch that spans data-parallel replicas
// (sync) a block's passes split around the replicas' sum: the reductions of every block in one
// parallel pass, the writes in another.
#include "devices/cpu/ops/batch_norm_blocked.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "devices/cpu/arena.h"
#include "devices/cpu/cpu_isa.h"
#include "devices/cpu/parallel.h"
#include "devices/reference/replica_sums.h"

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

// A channel's mean and population variance from its sum x, sum x^2 and count, as an
// unsynchronized run and a synchronized one (from the replicas' sums) both take them: one
// baseline-ISA copy, never inlined into the AVX-512 loops, where m * m might fuse into an FMA.
[[gnu::noinline]] void statistics(double sum, double sum_sq, double count, float& mean,
                                  float& var) {
  const double m = count > 0 ? sum / count : 0;
  mean = static_cast<float>(m);
  // Less count m^2, the sum of squares may round below 0 where the variance is tiny beside m^2.
  var = count > 0 ? static_cast<float>(std::max(sum_sq / count - m * m, 0.0)) : 0;
}

// Which part of a block's work a kernel instance does: all of it, or for a batch that spans the
// replicas (sync), first the sums that go over them (into `sums`: three rows of one value per
// channel, the rows devices::sum_over_replicas adds up), then what reads them back.
enum class Phase { Whole, Sums, Apply };

// Phase::Sums writes the rows [sum x, sum x^2, count] (count x mean and M2 + count x mean^2, as
// the REF kernel sums them); Phase::Apply reads the global batch's mean and var from `mean` and
// `var`.
template <int kBlock, bool kRelu, Phase kPhase>
[[gnu::always_inline]] inline void forward_block(const BlockedShape& s, int64_t b, const float* x,
                                                 const float* scale, const float* shift,
                                                 float epsilon, float* y, float* mean, float* var,
                                                 double* sums) {
  if constexpr (kPhase != Phase::Apply) {
    // Per image: the f32 sum over its pixels and the f32 sum of squares about its own mean, then
    // in f64 the image's sum x^2 = sq + 2 m sum x - pixels m^2 (m: f32's rounding of the image's
    // mean). The batch's sums add up image by image, so they come out the same however the
    // images are split among replicas.
    const double count = static_cast<double>(s.batch * s.pixels);
    const double pixels = static_cast<double>(s.pixels);
    double sum[kBlock] = {}, sum_sq[kBlock] = {};
    for (int64_t n = 0; n < s.batch; ++n) {
      const int64_t at = image_start(s, s.blocks, b, n);
      const float* xn = x + image_start(s, s.x_blocks, b, n) - at;  // x's image n, indexed as y's
      float part[kBlock] = {}, sq[kBlock] = {}, m[kBlock];
      for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
        for (int k = 0; k < kBlock; ++k) part[k] += xn[at + p * kBlock + k];
      for (int k = 0; k < kBlock; ++k)
        m[k] = s.pixels > 0 ? static_cast<float>(part[k] / pixels) : 0.0f;
      for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
        for (int k = 0; k < kBlock; ++k) {
          const float d = xn[at + p * kBlock + k] - m[k];
          sq[k] += d * d;
        }
      for (int k = 0; k < kBlock; ++k) {
        const double centre = m[k];
        sum[k] += part[k];
        sum_sq[k] += sq[k] + 2 * centre * part[k] - pixels * centre * centre;
      }
    }
    const int64_t channels = s.blocks * kBlock;
    for (int k = 0; k < kBlock; ++k) {
      const int64_t c = b * kBlock + k;
      if constexpr (kPhase == Phase::Sums) {
        sums[c] = sum[k];
        sums[channels + c] = sum_sq[k];
        sums[2 * channels + c] = count;
      } else {
        statistics(sum[k], sum_sq[k], count, mean[c], var[c]);
      }
    }
    if constexpr (kPhase == Phase::Sums) return;
  }
  float a[kBlock], t[kBlock];
  for (int k = 0; k < kBlock; ++k) {
    const int64_t c = b * kBlock + k;
    a[k] = scale[c] / std::sqrt(var[c] + epsilon);
    t[k] = shift[c] - mean[c] * a[k];
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
// both loaded unconditionally, so the select vectorizes). Phase::Sums writes dscale and dshift
// and the rows [sum dy, sum dy x^, count]; Phase::Apply reads those rows back, summed over the
// replicas.
template <int kBlock, bool kRelu, Phase kPhase>
[[gnu::always_inline]] inline void backward_block(const BlockedShape& s, int64_t b, const float* x,
                                                  const float* dy, const float* relu_y,
                                                  const float* scale, const float* mean,
                                                  const float* var, float epsilon, float* dx,
                                                  float* dscale, float* dshift, double* sums) {
  const int64_t channels = s.blocks * kBlock;
  const float* m = mean + b * kBlock;
  double inv_std[kBlock], total_dy[kBlock], total_dy_xhat[kBlock], total[kBlock];
  for (int k = 0; k < kBlock; ++k)
    inv_std[k] = 1.0 / std::sqrt(static_cast<double>(var[b * kBlock + k]) + epsilon);
  if constexpr (kPhase != Phase::Apply) {
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
    for (int k = 0; k < kBlock; ++k) {
      const int64_t c = b * kBlock + k;
      total_dy[k] = sum_dy[k];
      total_dy_xhat[k] = sum_dy_x[k] * inv_std[k];
      total[k] = static_cast<double>(s.batch * s.pixels);
      dshift[c] = static_cast<float>(total_dy[k]);
      dscale[c] = static_cast<float>(total_dy_xhat[k]);
      if constexpr (kPhase == Phase::Sums) {
        sums[c] = total_dy[k];
        sums[channels + c] = total_dy_xhat[k];
        sums[2 * channels + c] = total[k];
      }
    }
    if constexpr (kPhase == Phase::Sums) return;
  } else {
    for (int k = 0; k < kBlock; ++k) {
      const int64_t c = b * kBlock + k;
      total_dy[k] = sums[c];
      total_dy_xhat[k] = sums[channels + c];
      total[k] = sums[2 * channels + c];
    }
  }
  // dx = gain (dy - sum dy / M) - (x - mean) slope, per lane.
  float gain[kBlock], offset[kBlock], slope[kBlock];
  for (int k = 0; k < kBlock; ++k) {
    const double scaled = scale[b * kBlock + k] * inv_std[k];
    gain[k] = static_cast<float>(scaled);
    offset[k] = static_cast<float>(total_dy[k] / total[k]);
    slope[k] = static_cast<float>(scaled * inv_std[k] * total_dy_xhat[k] / total[k]);
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

template <int kBlock, bool kRelu, Phase kPhase, typename... Args>
[[gnu::target("arch=x86-64-v4")]] void forward_block_avx512(Args... args) {
  forward_block<kBlock, kRelu, kPhase>(args...);
}

template <int kBlock, bool kRelu, Phase kPhase, typename... Args>
[[gnu::target("arch=x86-64-v4")]] void backward_block_avx512(Args... args) {
  backward_block<kBlock, kRelu, kPhase>(args...);
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
                               const float*, float, float*, float*, float*, double*);
using BackwardKernel = void (*)(const BlockedShape&, int64_t, const float*, const float*,
                                const float*, const float*, const float*, const float*, float,
                                float*, float*, float*, double*);

template <Phase kPhase>
ForwardKernel forward_kernel(int64_t block, bool relu) {
  return instance(block, relu, [](auto block, auto fused) -> ForwardKernel {
    using Shape = const BlockedShape&;
    using In = const float*;
    constexpr bool kRelu = fused() && kPhase != Phase::Sums;  // one instance for the sums
    if (avx512_core())
      return &forward_block_avx512<block(), kRelu, kPhase, Shape, int64_t, In, In, In, float,
                                   float*, float*, float*, double*>;
    return &forward_block<block(), kRelu, kPhase>;
  });
}

template <Phase kPhase>
BackwardKernel backward_kernel(int64_t block, bool relu) {
  return instance(block, relu, [](auto block, auto fused) -> BackwardKernel {
    using Shape = const BlockedShape&;
    using In = const float*;
    if (avx512_core())
      return &backward_block_avx512<block(), fused(), kPhase, Shape, int64_t, In, In, In, In, In,
                                    In, float, float*, float*, float*, double*>;
    return &backward_block<block(), fused(), kPhase>;
  });
}

}  // namespace

double batch_norm_forward_blocked(const BlockedShape& s, const float* x, const float* scale,
                                  const float* shift, float epsilon, bool relu, bool sync, float* y,
                                  float* mean, float* var) {
  const auto run = [&](ForwardKernel kernel, double* sums) {
    parallel_for(s.blocks, worth_splitting(s),
                 [&](int64_t b) { kernel(s, b, x, scale, shift, epsilon, y, mean, var, sums); });
  };
  const double count = static_cast<double>(s.batch * s.pixels);
  if (!sync) {
    run(forward_kernel<Phase::Whole>(s.block, relu), nullptr);
    return count;
  }
  const int64_t channels = s.blocks * s.block;
  const size_t rows = static_cast<size_t>(3 * channels);
  // From the run's buffers: an inference-time step allocates nothing of its own.
  const std::shared_ptr<void> buffer = run_buffer(rows * sizeof(double));
  double* sums = static_cast<double*>(buffer.get());
  run(forward_kernel<Phase::Sums>(s.block, relu), sums);
  devices::sum_over_replicas(sums, rows);
  for (int64_t c = 0; c < channels; ++c)
    statistics(sums[c], sums[channels + c], sums[2 * channels + c], mean[c], var[c]);
  run(forward_kernel<Phase::Apply>(s.block, relu), sums);
  return channels > 0 ? sums[2 * channels] : count;
}

void batch_norm_backward_blocked(const BlockedShape& s, const float* x, const float* dy,
                                 const float* relu_y, const float* scale, const float* mean,
                                 const float* var, float epsilon, bool sync, float* dx,
                                 float* dscale, float* dshift) {
  const bool relu = relu_y != nullptr;
  const auto run = [&](BackwardKernel kernel, double* sums) {
    parallel_for(s.blocks, worth_splitting(s), [&](int64_t b) {
      kernel(s, b, x, dy, relu_y, scale, mean, var, epsilon, dx, dscale, dshift, sums);
    });
  };
  if (!sync) {
    run(backward_kernel<Phase::Whole>(s.block, relu), nullptr);
    return;
  }
  const size_t rows = static_cast<size_t>(3 * s.blocks * s.block);
  const std::shared_ptr<void> buffer = run_buffer(rows * sizeof(double));
  double* sums = static_cast<double*>(buffer.get());
  run(backward_kernel<Phase::Sums>(s.block, relu), sums);
  devices::sum_over_replicas(sums, rows);
  run(backward_kernel<Phase::Apply>(s.block, relu), sums);
}

}  // namespace zenith::cpu
