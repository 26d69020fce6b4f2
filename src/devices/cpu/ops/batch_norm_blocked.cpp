// Batch norm over channel blocks: per block, a pass for each reduction and one to write, the
// block's lanes one vector. A block's sums run in f32 over one image's pixels, then add up in
// f64, so that 50,000-element channels keep f32's precision.
#include "devices/cpu/ops/batch_norm_blocked.h"

#include <cmath>

#include "devices/cpu/parallel.h"

namespace zenith::cpu {
namespace {

// Calls fn(image, offset) for the start of each image's part of channel block `b`.
template <typename Fn>
void for_each_image(const BlockedShape& s, int64_t b, const Fn& fn) {
  for (int64_t n = 0; n < s.batch; ++n) fn((n * s.blocks + b) * s.pixels * s.block);
}

template <int kBlock>
void forward_block(const BlockedShape& s, int64_t b, const float* x, const float* scale,
                   const float* shift, float epsilon, float* y, float* mean, float* var) {
  const double count = static_cast<double>(s.batch * s.pixels);
  double sum[kBlock] = {}, sq[kBlock] = {};
  for_each_image(s, b, [&](int64_t at) {
    float part[kBlock] = {};
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) part[k] += x[at + p * kBlock + k];
    for (int k = 0; k < kBlock; ++k) sum[k] += part[k];
  });
  float m[kBlock], a[kBlock], t[kBlock];
  for (int k = 0; k < kBlock; ++k) m[k] = static_cast<float>(sum[k] / count);
  for_each_image(s, b, [&](int64_t at) {
    float part[kBlock] = {};
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) {
        const float d = x[at + p * kBlock + k] - m[k];
        part[k] += d * d;
      }
    for (int k = 0; k < kBlock; ++k) sq[k] += part[k];
  });
  for (int k = 0; k < kBlock; ++k) {
    const int64_t c = b * kBlock + k;
    mean[c] = m[k];
    var[c] = static_cast<float>(sq[k] / count);
    a[k] = scale[c] / std::sqrt(var[c] + epsilon);
    t[k] = shift[c] - m[k] * a[k];
  }
  for_each_image(s, b, [&](int64_t at) {
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k)
        y[at + p * kBlock + k] = x[at + p * kBlock + k] * a[k] + t[k];
  });
}

template <int kBlock>
void backward_block(const BlockedShape& s, int64_t b, const float* x, const float* dy,
                    const float* scale, const float* mean, const float* var, float epsilon,
                    float* dx, float* dscale, float* dshift) {
  const double count = static_cast<double>(s.batch * s.pixels);
  const float* m = mean + b * kBlock;
  double sum_dy[kBlock] = {}, sum_dy_x[kBlock] = {};  // sum dy (x - mean)
  for_each_image(s, b, [&](int64_t at) {
    float part_dy[kBlock] = {}, part_dy_x[kBlock] = {};
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) {
        const float g = dy[at + p * kBlock + k];
        part_dy[k] += g;
        part_dy_x[k] += g * (x[at + p * kBlock + k] - m[k]);
      }
    for (int k = 0; k < kBlock; ++k) {
      sum_dy[k] += part_dy[k];
      sum_dy_x[k] += part_dy_x[k];
    }
  });
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
  for_each_image(s, b, [&](int64_t at) {
    for (int64_t p = 0; p < s.pixels; ++p)
#pragma omp simd
      for (int k = 0; k < kBlock; ++k) {
        const int64_t i = at + p * kBlock + k;
        dx[i] = gain[k] * (dy[i] - offset[k]) - (x[i] - m[k]) * slope[k];
      }
  });
}

bool worth_splitting(const BlockedShape& s) {
  return s.batch * s.blocks * s.pixels * s.block >= kParallelElements;
}

}  // namespace

void batch_norm_forward_blocked(const BlockedShape& s, const float* x, const float* scale,
                                const float* shift, float epsilon, float* y, float* mean,
                                float* var) {
  parallel_for(s.blocks, worth_splitting(s), [&](int64_t b) {
    if (s.block == 16)
      forward_block<16>(s, b, x, scale, shift, epsilon, y, mean, var);
    else
      forward_block<8>(s, b, x, scale, shift, epsilon, y, mean, var);
  });
}

void batch_norm_backward_blocked(const BlockedShape& s, const float* x, const float* dy,
                                 const float* scale, const float* mean, const float* var,
                                 float epsilon, float* dx, float* dscale, float* dshift) {
  parallel_for(s.blocks, worth_splitting(s), [&](int64_t b) {
    if (s.block == 16)
      backward_block<16>(s, b, x, dy, scale, mean, var, epsilon, dx, dscale, dshift);
    else
      backward_block<8>(s, b, x, dy, scale, mean, var, epsilon, dx, dscale, dshift);
  });
}

}  // namespace zenith::cpu
