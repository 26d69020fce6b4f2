// Checks the CPU device's own convolution kernels (devices/cpu/ops/winograd.h,
// narrow_group_conv.h) against a convolution in double: seeded inputs, weights, bias and a Sum
// addend, the kernel run on channel blocks, the result compared relative to the largest output.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/cpu_value.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/own_post_ops.h"

namespace zenith::testing {

using cpu::OwnPostOp;

inline std::vector<float> normal_values(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// `values` laid out as `from` in the layout `to`: plain [n][c][h][w] and channel blocks.
inline std::vector<float> relayout(const std::vector<float>& values, const dnnl::memory::desc& from,
                                   const dnnl::memory::desc& to) {
  dnnl::stream stream(cpu::engine());
  const dnnl::memory copy = cpu::packed_copy(
      dnnl::memory(from, cpu::engine(), const_cast<float*>(values.data())), to, stream);
  const auto* p = static_cast<const float*>(copy.get_data_handle());
  return {p, p + values.size()};
}

struct OwnConvCase {
  int64_t batch, channels, outputs, groups;
  int64_t height, width, out_height, out_width;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left;
  std::vector<OwnPostOp> post_ops;
};

// The kernel under test: (weights [outputs][channels / groups][kh][kw]) -> run(src, bias, dst).
using OwnConvRun = std::function<void(const float* src, const float* bias, float* dst)>;
using OwnConvBuild = std::function<OwnConvRun(const std::vector<float>& weights)>;

// Runs the kernel `build` makes on seeded data and expects it within `tolerance` of the largest
// magnitude before the post-ops (what rounding scales with) of the result in double.
inline void expect_matches_double(const OwnConvCase& c, const OwnConvBuild& build,
                                  double tolerance) {
  const int64_t per_group = c.channels / c.groups, outs_per_group = c.outputs / c.groups;
  const int64_t taps = c.kernel_h * c.kernel_w;
  const ir::Dims xd = {c.batch, c.channels, c.height, c.width};
  const ir::Dims yd = {c.batch, c.outputs, c.out_height, c.out_width};
  const std::vector<float> x = normal_values(c.batch * c.channels * c.height * c.width, 1);
  const std::vector<float> w = normal_values(c.outputs * per_group * taps, 2);
  const std::vector<float> bias = normal_values(c.outputs, 3);
  const std::vector<float> addend =
      normal_values(c.batch * c.outputs * c.out_height * c.out_width, 4);
  std::vector<float> y = relayout(addend, cpu::plain_desc(yd), cpu::blocked_desc(yd));
  build(w)(relayout(x, cpu::plain_desc(xd), cpu::blocked_desc(xd)).data(), bias.data(), y.data());
  const std::vector<float> actual = relayout(y, cpu::blocked_desc(yd), cpu::plain_desc(yd));
  double largest = 0.0, error = 0.0;
  for (int64_t n = 0; n < c.batch; ++n)
    for (int64_t k = 0; k < c.outputs; ++k)
      for (int64_t oy = 0; oy < c.out_height; ++oy)
        for (int64_t ox = 0; ox < c.out_width; ++ox) {
          double sum = bias[k];
          const int64_t first = k / outs_per_group * per_group;
          for (int64_t ch = 0; ch < per_group; ++ch)
            for (int64_t i = 0; i < c.kernel_h; ++i)
              for (int64_t j = 0; j < c.kernel_w; ++j) {
                const int64_t iy = oy * c.stride_h + i - c.pad_top,
                              ix = ox * c.stride_w + j - c.pad_left;
                if (iy < 0 || iy >= c.height || ix < 0 || ix >= c.width) continue;
                sum += double{x[((n * c.channels + first + ch) * c.height + iy) * c.width + ix]} *
                       w[((k * per_group + ch) * c.kernel_h + i) * c.kernel_w + j];
              }
          const size_t at = ((n * c.outputs + k) * c.out_height + oy) * c.out_width + ox;
          largest = std::max(largest, std::fabs(sum));
          for (const OwnPostOp& op : c.post_ops) {
            if (op.kind == OwnPostOp::Kind::Sum) sum += op.a * addend[at];
            if (op.kind == OwnPostOp::Kind::Relu && sum < 0) sum *= op.a;
            if (op.kind == OwnPostOp::Kind::Clip) sum = std::clamp<double>(sum, op.a, op.b);
            if (op.kind == OwnPostOp::Kind::Swish) sum /= 1.0 + std::exp(-op.a * sum);
            if (op.kind == OwnPostOp::Kind::Sigmoid) sum = 1.0 / (1.0 + std::exp(-sum));
          }
          error = std::max(error, std::fabs(actual[at] - sum));
        }
  EXPECT_LE(error, tolerance * largest) << "largest |y| " << largest;
}

}  // namespace zenith::testing
