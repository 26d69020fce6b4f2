// Zenith's Winograd F(4x4,3x3) kernel (devices/cpu/ops/winograd.h): against a direct
// convolution in double, through the CPU device against REF, and the kernel each layer runs.
#include "devices/cpu/ops/winograd.h"

#include <gtest/gtest.h>

#include "cpu/differential.h"
#include "cpu/own_conv_check.h"
#include "devices/cpu/channel_block.h"
#include "devices/cpu/cpu_value.h"
#include "devices/cpu/ops/conv_choice.h"
#include "devices/cpu/ops/op_util.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

using testing::normal_values;
using K = OwnPostOp::Kind;

// A 3x3 stride-1 layer's check (own_conv_check.h).
void check(int64_t batch, int64_t channels, int64_t outputs, int64_t height, int64_t width,
           int64_t out_height, int64_t out_width, int64_t pad_top, int64_t pad_left,
           std::vector<OwnPostOp> post_ops) {
  ASSERT_TRUE(WinogradConv::available()) << "every host this project runs on has AVX2 and FMA";
  const WinogradGeometry g = {batch,      channels,  outputs, height,  width,
                              out_height, out_width, pad_top, pad_left};
  const testing::OwnConvCase c = {batch, channels,   outputs,   1,        height,
                                  width, out_height, out_width, 3,        3,
                                  1,     1,          pad_top,   pad_left, post_ops};
  // F(4x4,3x3)'s transforms lose a few bits: 1e-5 of the largest output (measured here with
  // AVX2: 1.5e-6 to 3.2e-6).
  testing::expect_matches_double(
      c,
      [&](const std::vector<float>& weights) {
        auto conv = std::make_shared<const WinogradConv>(g, weights, post_ops);
        return
            [conv](const float* src, const float* bias, float* dst) { conv->run(src, bias, dst); };
      },
      1e-5);
}

TEST(CpuWinograd, MatchesDirectConvolutionInDouble) {
  const int64_t b = channel_block();
  // Same padding, an output not a whole number of tiles, outputs not a whole panel.
  check(1, b, 3 * b, 9, 11, 9, 11, 1, 1, {});
  // No padding, batch 3 (tiles of several images in one chunk), ReLU.
  check(3, 2 * b, b, 10, 7, 8, 5, 0, 0, {{K::Relu, 0.0f}});
  // Asymmetric padding (top 1, left 0, bottom 0, right 2), a residual sum then leaky ReLU, and
  // enough tiles and channels for several chunks per thread.
  check(2, 4 * b, 2 * b, 30, 29, 29, 29, 1, 0, {{K::Sum, 1.0f}, {K::Relu, 0.1f}});
  // ReLU6 before a scaled sum.
  check(1, b, 2 * b, 6, 6, 6, 6, 1, 1, {{K::Clip, 0.0f, 6.0f}, {K::Sum, 0.5f}});
  // SiLU (EfficientNetV2's fused blocks), a Swish with another factor, Sigmoid after a sum.
  check(1, b, 2 * b, 9, 9, 9, 9, 1, 1, {{K::Swish, 1.0f}});
  check(2, b, b, 8, 8, 8, 8, 1, 1, {{K::Swish, 1.7f}});
  check(1, b, b, 7, 7, 7, 7, 1, 1, {{K::Sum, 1.0f}, {K::Sigmoid}});
}

// The own kernels' vector e^x (SiLU and Sigmoid post-ops) against std::exp over the floats' range,
// clamped beyond it to finite, nonzero values.
TEST(CpuVectorLanes, ExpWithinTwoTenMillionthsAndClamped) {
  using V = simd::Lanes<8>::F;
  double worst = 0;
  for (float x = -87.0f; x < 88.0f; x += 0.0137f) {
    const V v = simd::exp(simd::splat<V>(x));
    for (int lane = 0; lane < 8; ++lane)
      worst = std::max(worst, std::abs(v[lane] / std::exp(static_cast<double>(x)) - 1.0));
  }
  EXPECT_LT(worst, 2e-7);
  const V low = simd::exp(simd::splat<V>(-1000.0f));
  const V high = simd::exp(simd::splat<V>(1000.0f));
  EXPECT_GT(low[0], 0.0f);
  EXPECT_NEAR(low[0] / std::exp(-87.3), 1.0, 1e-5);
  EXPECT_TRUE(std::isfinite(high[0]));
  EXPECT_GT(high[0], 1e38f);
}

// A layer's choice between oneDNN's pick and ours says what it timed and how far ours is off.
TEST(CpuWinograd, ChoiceReportsTimesAndError) {
  ASSERT_TRUE(WinogradConv::available());
  const int64_t c = 2 * channel_block();
  const memory::desc src = blocked_desc({1, c, 20, 20});
  const memory::desc w({c, c, 3, 3}, memory::data_type::f32, memory::format_tag::any);
  const memory::desc b({c}, memory::data_type::f32, memory::format_tag::any);
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                             dnnl::algorithm::convolution_direct, src, w, b, src,
                                             {1, 1}, {1, 1}, {1, 1});
  const dnnl::convolution_forward::primitive_desc pd(desc, engine());
  std::vector<float> weights = normal_values(c * c * 9, 5), bias = normal_values(c, 6);
  const WinogradConv own({1, c, c, 20, 20, 20, 20, 1, 1}, weights, {});
  dnnl::stream stream(engine());
  const memory w_mem(plain_desc({c, c, 3, 3}), engine(), weights.data());
  const memory b_mem(plain_desc({c}), engine(), bias.data());
  std::string why;
  own_winograd_wins(pd, desc, dnnl::primitive_attr(), own, w_mem, b_mem, stream, why);
  EXPECT_NE(why.find(pd.impl_info_str()), std::string::npos) << why;
  EXPECT_NE(why.find("zenith:winograd_4x3"), std::string::npos) << why;
  EXPECT_NE(why.find("relative error"), std::string::npos) << why;
  EXPECT_EQ(why.find("dropped"), std::string::npos) << why;
  // Tolerance 0 drops ours whatever the times: its rounding differs from direct convolution's.
  EXPECT_FALSE(
      own_winograd_wins(pd, desc, dnnl::primitive_attr(), own, w_mem, b_mem, stream, why, 0.0f));
  EXPECT_NE(why.find("dropped"), std::string::npos) << why;
}

// ZENITH_CPU_WINOGRAD picks the kernel of a 3x3 stride-1 layer with blocked channels (else it is
// timed): the profile names the one that ran, and the output matches REF.
TEST(CpuWinograd, RunsTheKernelAskedFor) {
  const char* asked = std::getenv("ZENITH_CPU_WINOGRAD");
  const std::string kernel = asked ? asked : "";
  const int64_t c = 2 * channel_block();
  using testing::make_node;
  auto g = testing::make_graph(
      {make_node("Conv", {"X", "W", "B"}, {"Y"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
       make_node("Add", {"Y", "Z"}, {"S"}), make_node("Relu", {"S"}, {"R"})},
      {"X", "Z"}, {"R"},
      {{"W", testing::random_tensor({c, c, 3, 3}, 2)}, {"B", testing::random_tensor({c}, 3)}});
  const std::map<std::string, ir::Value> feeds = {{"X", testing::random_tensor({2, c, 13, 10}, 1)},
                                                  {"Z", testing::random_tensor({2, c, 13, 10}, 4)}};
  testing::expect_cpu_matches_ref(*g, feeds, testing::kWinograd);
  const runtime::Plan plan(*g, {"CPU"});
  std::vector<runtime::StepProfile> steps;
  plan.run(feeds, 0, &steps);
  ASSERT_EQ(steps.size(), 1u) << "Conv + Add + Relu is one step";
  const std::string& ran = steps[0].implementation;
  const bool own = ran.find("zenith:winograd_4x3") != std::string::npos;
  if (kernel == "zenith") {
    EXPECT_TRUE(own) << ran;
  } else if (kernel == "onednn") {
    EXPECT_FALSE(own) << ran;
  }
  // Either way the profile names the run's kernel only, not the timing runs' when it was built.
  EXPECT_EQ(ran.find("zenith:winograd_4x3"), ran.rfind("zenith:winograd_4x3")) << ran;
}

// Channels that fill no whole number of blocks (20 outputs, 12 inputs) are oneDNN's to run even
// when ours is asked for: ours takes whole blocks, and wrote the padded last one wrong.
TEST(CpuWinograd, PartialChannelBlocksRunOneDnn) {
  using testing::make_node;
  for (const ir::Dims& w : {ir::Dims{20, 16, 3, 3}, ir::Dims{16, 12, 3, 3}}) {
    auto g = testing::make_graph(
        {make_node("Conv", {"X", "W"}, {"Y"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}})}, {"X"},
        {"Y"}, {{"W", testing::random_tensor(w, 2)}});
    testing::expect_cpu_matches_ref(*g, {{"X", testing::random_tensor({2, w[1], 9, 11}, 1)}},
                                    testing::kWinograd);
  }
}

}  // namespace
}  // namespace zenith::cpu
