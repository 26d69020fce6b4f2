// Zenith's Winograd F(4x4,3x3) kernel (devices/cpu/ops/winograd.h): against a direct
// convolution in double, through the CPU device against REF, and the kernel each layer runs.
#include "devices/cpu/ops/winograd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "cpu/differential.h"
#include "devices/cpu/channel_block.h"
#include "devices/cpu/cpu_value.h"
#include "devices/cpu/ops/conv_choice.h"
#include "devices/cpu/ops/op_util.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

std::vector<float> normal_values(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// `values` laid out as `from` in the layout `to`: plain [n][c][h][w] and channel blocks.
std::vector<float> relayout(const std::vector<float>& values, const memory::desc& from,
                            const memory::desc& to) {
  dnnl::stream stream(engine());
  const memory copy =
      packed_copy(memory(from, engine(), const_cast<float*>(values.data())), to, stream);
  const auto* p = static_cast<const float*>(copy.get_data_handle());
  return {p, p + values.size()};
}

struct Case {
  WinogradGeometry g;
  std::vector<WinogradPostOp> post_ops;
};

// The layer in double: bias, then the post-ops (a Sum adds `addend`), plain; `largest` gets the
// largest magnitude before the post-ops, what the transforms' rounding scales with.
std::vector<double> direct(const Case& c, const std::vector<float>& x, const std::vector<float>& w,
                           const std::vector<float>& bias, const std::vector<float>& addend,
                           double& largest) {
  const WinogradGeometry& g = c.g;
  std::vector<double> y(static_cast<size_t>(g.batch * g.outputs * g.out_height * g.out_width));
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t k = 0; k < g.outputs; ++k)
      for (int64_t oy = 0; oy < g.out_height; ++oy)
        for (int64_t ox = 0; ox < g.out_width; ++ox) {
          double sum = bias[k];
          for (int64_t ch = 0; ch < g.channels; ++ch)
            for (int64_t i = 0; i < 3; ++i)
              for (int64_t j = 0; j < 3; ++j) {
                const int64_t iy = oy + i - g.pad_top, ix = ox + j - g.pad_left;
                if (iy < 0 || iy >= g.height || ix < 0 || ix >= g.width) continue;
                sum += double{x[((n * g.channels + ch) * g.height + iy) * g.width + ix]} *
                       w[((k * g.channels + ch) * 3 + i) * 3 + j];
              }
          const size_t at = ((n * g.outputs + k) * g.out_height + oy) * g.out_width + ox;
          largest = std::max(largest, std::fabs(sum));
          for (const WinogradPostOp& op : c.post_ops) {
            if (op.kind == WinogradPostOp::Kind::Sum) sum += op.a * addend[at];
            if (op.kind == WinogradPostOp::Kind::Relu && sum < 0) sum *= op.a;
            if (op.kind == WinogradPostOp::Kind::Clip) sum = std::clamp<double>(sum, op.a, op.b);
          }
          y[at] = sum;
        }
  return y;
}

void check(const Case& c) {
  ASSERT_TRUE(WinogradConv::available()) << "every host this project runs on has AVX2 and FMA";
  const WinogradGeometry& g = c.g;
  const ir::Dims xd = {g.batch, g.channels, g.height, g.width};
  const ir::Dims yd = {g.batch, g.outputs, g.out_height, g.out_width};
  const std::vector<float> x = normal_values(g.batch * g.channels * g.height * g.width, 1);
  const std::vector<float> w = normal_values(g.outputs * g.channels * 9, 2);
  const std::vector<float> bias = normal_values(g.outputs, 3);
  const std::vector<float> addend =
      normal_values(g.batch * g.outputs * g.out_height * g.out_width, 4);
  const WinogradConv conv(g, w, c.post_ops);
  std::vector<float> y = relayout(addend, plain_desc(yd), blocked_desc(yd));
  conv.run(relayout(x, plain_desc(xd), blocked_desc(xd)).data(), bias.data(), y.data());
  const std::vector<float> actual = relayout(y, blocked_desc(yd), plain_desc(yd));
  double largest = 0.0, error = 0.0;
  const std::vector<double> expected = direct(c, x, w, bias, addend, largest);
  for (size_t i = 0; i < expected.size(); ++i)
    error = std::max(error, std::fabs(actual[i] - expected[i]));
  // F(4x4,3x3)'s transforms lose a few bits: 1e-5 of the largest output (measured here with
  // AVX2: 1.5e-6 to 3.2e-6).
  EXPECT_LE(error, 1e-5 * largest) << "largest |y| " << largest;
}

TEST(CpuWinograd, MatchesDirectConvolutionInDouble) {
  const int64_t b = channel_block();
  using K = WinogradPostOp::Kind;
  // Same padding, an output not a whole number of tiles, outputs not a whole panel.
  check({{1, b, 3 * b, 9, 11, 9, 11, 1, 1}, {}});
  // No padding, batch 3 (tiles of several images in one chunk), ReLU.
  check({{3, 2 * b, b, 10, 7, 8, 5, 0, 0}, {{K::Relu, 0.0f}}});
  // Asymmetric padding (top 1, left 0, bottom 0, right 2), a residual sum then leaky ReLU, and
  // enough tiles and channels for several chunks per thread.
  check({{2, 4 * b, 2 * b, 30, 29, 29, 29, 1, 0}, {{K::Sum, 1.0f}, {K::Relu, 0.1f}}});
  // ReLU6 before a scaled sum.
  check({{1, b, 2 * b, 6, 6, 6, 6, 1, 1}, {{K::Clip, 0.0f, 6.0f}, {K::Sum, 0.5f}}});
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

}  // namespace
}  // namespace zenith::cpu
