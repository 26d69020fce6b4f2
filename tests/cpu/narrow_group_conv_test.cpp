// Zenith's kernel for groups of 4 channels (devices/cpu/ops/narrow_group_conv.h): against a
// convolution in double, and which kernel a ResNeXt-style layer runs through the CPU device.
#include "devices/cpu/ops/narrow_group_conv.h"

#include <gtest/gtest.h>

#include "cpu/differential.h"
#include "cpu/own_conv_check.h"
#include "devices/cpu/channel_block.h"
#include "devices/cpu/cpu_isa.h"

namespace zenith::cpu {
namespace {

using K = OwnPostOp::Kind;

void check(int64_t batch, int64_t channels, int64_t height, int64_t width, int64_t kernel,
           int64_t stride, int64_t pad, std::vector<OwnPostOp> post_ops) {
  ASSERT_TRUE(NarrowGroupConv::available()) << "every host this project runs on has AVX2 and FMA";
  const int64_t out_h = (height + 2 * pad - kernel) / stride + 1,
                out_w = (width + 2 * pad - kernel) / stride + 1;
  const NarrowGroupGeometry g = {batch,  channels, height, width,  out_h, out_w,
                                 kernel, kernel,   stride, stride, pad,   pad};
  const testing::OwnConvCase c = {batch,  channels, channels, channels / 4, height,
                                  width,  out_h,    out_w,    kernel,       kernel,
                                  stride, stride,   pad,      pad,          post_ops};
  testing::expect_matches_double(
      c,
      [&](const std::vector<float>& weights) {
        auto conv = std::make_shared<const NarrowGroupConv>(g, weights, post_ops);
        return
            [conv](const float* src, const float* bias, float* dst) { conv->run(src, bias, dst); };
      },
      1e-6);  // direct sums in f32: a few ulps of the largest output
}

TEST(CpuNarrowGroupConv, MatchesConvolutionInDouble) {
  const int64_t b = channel_block();
  // ResNeXt's 3x3 with same padding; a row of 8 pixels and a remainder (width 11).
  check(1, 2 * b, 9, 11, 3, 1, 1, {{K::Relu, 0.0f}});
  // Stride 2 (ResNeXt's first block of a stage), batch 2, a residual sum then ReLU.
  check(2, b, 13, 10, 3, 2, 1, {{K::Sum, 1.0f}, {K::Relu, 0.0f}});
  // 1x1 and 5x5 kernels, no padding and clip.
  check(1, b, 6, 17, 1, 1, 0, {{K::Clip, -1.0f, 1.0f}});
  check(1, b, 7, 9, 3, 1, 1, {{K::Swish, 1.0f}});
  check(1, 3 * b, 12, 12, 5, 1, 2, {});
}

// Through the CPU device: the output matches REF, and without AVX-512 (where oneDNN has no JIT
// kernel for such groups) the layer runs ours.
TEST(CpuNarrowGroupConv, ResNeXtLayerRunsOursWhereOneDnnHasNoJitKernel) {
  const int64_t c = 4 * channel_block();
  using zenith::testing::make_node;
  auto g = zenith::testing::make_graph(
      {make_node("Conv", {"X", "W", "B"}, {"Y"},
                 {{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"group", c / 4}}),
       make_node("Relu", {"Y"}, {"R"})},
      {"X"}, {"R"},
      {{"W", zenith::testing::random_tensor({c, 4, 3, 3}, 2)},
       {"B", zenith::testing::random_tensor({c}, 3)}});
  const std::map<std::string, ir::Value> feeds = {
      {"X", zenith::testing::random_tensor({1, c, 10, 12}, 1)}};
  zenith::testing::expect_cpu_matches_ref(*g, feeds);
  const runtime::Plan plan(*g, {"CPU"});
  std::vector<runtime::StepProfile> steps;
  plan.run(feeds, 0, &steps);
  ASSERT_EQ(steps.size(), 1u) << "Conv + Relu is one step";
  const bool ours = steps[0].implementation.find("zenith:narrow_group_conv") != std::string::npos;
  if (!avx512_core()) {
    EXPECT_TRUE(ours) << steps[0].implementation;
  }
}

}  // namespace
}  // namespace zenith::cpu
