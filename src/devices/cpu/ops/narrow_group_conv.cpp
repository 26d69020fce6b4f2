// NarrowGroupConv: groups of 4 channels, one vector of outputs per pixel and channel block.
#include "devices/cpu/ops/narrow_group_conv.h"

#include <algorithm>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/cpu_isa.h"
#include "devices/cpu/kernel_trace.h"
#include "devices/cpu/parallel.h"

namespace zenith::cpu {
namespace {

using Plan = NarrowGroupConv::Plan;
constexpr int64_t kGroup = NarrowGroupConv::kGroupChannels;
constexpr int kPixels = 8;  // output pixels of a row accumulated at once

// Lane l takes lane (l / 4) * 4 + J of `v`: each group's input channel J, across its outputs.
template <int J, int kLanes, typename V>
[[gnu::always_inline]] inline V group_channel(V v) {
  typename simd::Lanes<kLanes>::I mask;
  for (int l = 0; l < kLanes; ++l) mask[l] = l / kGroup * kGroup + J;
  return __builtin_shuffle(v, mask);
}

// Output pixels [ox, ox + kCount) of row `oy` of one image's channel block.
template <int kLanes, int kCount>
[[gnu::always_inline]] inline void pixels(const Plan& p, const float* image, const float* weights,
                                          typename simd::Lanes<kLanes>::F bias, float* row,
                                          int64_t oy, int64_t ox) {
  using V = typename simd::Lanes<kLanes>::F;
  const NarrowGroupGeometry& g = p.g;
  V acc[kCount];
  for (int i = 0; i < kCount; ++i) acc[i] = bias;
  for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
    const int64_t iy = oy * g.stride_h - g.pad_top + ky;
    if (iy < 0 || iy >= g.height) continue;
    for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
      const float* w = weights + (ky * g.kernel_w + kx) * kGroup * kLanes;
      const V w0 = simd::load<V>(w), w1 = simd::load<V>(w + kLanes),
              w2 = simd::load<V>(w + 2 * kLanes), w3 = simd::load<V>(w + 3 * kLanes);
#pragma GCC unroll 8
      for (int i = 0; i < kCount; ++i) {
        const int64_t ix = (ox + i) * g.stride_w - g.pad_left + kx;
        if (ix < 0 || ix >= g.width) continue;
        const V in = simd::load<V>(image + (iy * g.width + ix) * kLanes);
        acc[i] += group_channel<0, kLanes>(in) * w0 + group_channel<1, kLanes>(in) * w1 +
                  group_channel<2, kLanes>(in) * w2 + group_channel<3, kLanes>(in) * w3;
      }
    }
  }
  for (int i = 0; i < kCount; ++i) {
    float* out = row + (ox + i) * kLanes;
    simd::store(out, apply_post_ops(acc[i], p.post_ops, out));
  }
}

// Output rows [begin, end) of all images and channel blocks, row r = (image, block, oy).
template <int kLanes>
[[gnu::always_inline]] inline void rows(const Plan& p, const float* src, const float* bias,
                                        const float* packed, float* dst, int64_t begin,
                                        int64_t end) {
  using V = typename simd::Lanes<kLanes>::F;
  const NarrowGroupGeometry& g = p.g;
  const int64_t blocks = g.channels / kLanes;
  for (int64_t r = begin; r < end; ++r) {
    const int64_t n = r / (blocks * g.out_height), block = r / g.out_height % blocks;
    const int64_t oy = r % g.out_height;
    const float* image = src + (n * blocks + block) * g.height * g.width * kLanes;
    const float* weights = packed + block * g.kernel_h * g.kernel_w * kGroup * kLanes;
    float* row = dst + ((n * blocks + block) * g.out_height + oy) * g.out_width * kLanes;
    const V b = bias ? simd::load<V>(bias + block * kLanes) : V{};
    int64_t ox = 0;
    for (; ox + kPixels <= g.out_width; ox += kPixels)
      pixels<kLanes, kPixels>(p, image, weights, b, row, oy, ox);
    for (; ox < g.out_width; ++ox) pixels<kLanes, 1>(p, image, weights, b, row, oy, ox);
  }
}

using RowsFn = void (*)(const Plan&, const float*, const float*, const float*, float*, int64_t,
                        int64_t);

// The loops above are vector code already (as rnn_layer.cpp's).
[[gnu::target("arch=x86-64-v4"), gnu::optimize("no-tree-vectorize")]] void rows_avx512(
    const Plan& p, const float* src, const float* bias, const float* packed, float* dst,
    int64_t begin, int64_t end) {
  rows<16>(p, src, bias, packed, dst, begin, end);
}
[[gnu::target("avx2,fma"), gnu::optimize("no-tree-vectorize")]] void rows_avx2(
    const Plan& p, const float* src, const float* bias, const float* packed, float* dst,
    int64_t begin, int64_t end) {
  rows<8>(p, src, bias, packed, dst, begin, end);
}

}  // namespace

bool NarrowGroupConv::available() {
  return (avx512_core() && channel_block() == 16) || (avx2_fma() && channel_block() == 8);
}

NarrowGroupConv::NarrowGroupConv(const NarrowGroupGeometry& geometry,
                                 std::span<const float> weights, std::vector<OwnPostOp> post_ops)
    : plan_{geometry, channel_block(), std::move(post_ops)} {
  const int64_t lanes = plan_.lanes, taps = geometry.kernel_h * geometry.kernel_w;
  packed_.resize(static_cast<size_t>(geometry.channels * taps * kGroup));
  for (int64_t k = 0; k < geometry.channels; ++k)
    for (int64_t j = 0; j < kGroup; ++j)
      for (int64_t t = 0; t < taps; ++t)
        packed_[static_cast<size_t>(((k / lanes * taps + t) * kGroup + j) * lanes + k % lanes)] =
            weights[static_cast<size_t>((k * kGroup + j) * taps + t)];
}

void NarrowGroupConv::run(const float* src, const float* bias, float* dst) const {
  const Plan& p = plan_;
  const RowsFn fn = avx512_core() ? &rows_avx512 : &rows_avx2;
  const int64_t rows_total = p.g.batch * (p.g.channels / p.lanes) * p.g.out_height;
  parallel_ranges(
      rows_total, p.g.batch * p.g.channels * p.g.out_height * p.g.out_width >= kParallelElements,
      [&](int64_t begin, int64_t end) { fn(p, src, bias, packed_.data(), dst, begin, end); });
  note_kernel("zenith:narrow_group_conv");
}

}  // namespace zenith::cpu
