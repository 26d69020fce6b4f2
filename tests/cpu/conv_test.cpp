#include "cpu/differential.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using Attrs = std::map<std::string, ir::Attribute>;

// Conv with constant W (and B) on X fed at run time.
void check_conv(ir::Dims x, ir::Dims w, Attrs attrs, bool bias = true,
                testing::CpuExpectation expect = {}) {
  std::map<std::string, ir::Tensor> init = {{"W", random_tensor(w, 2)}};
  std::vector<std::string> inputs = {"X", "W"};
  if (bias) {
    init["B"] = random_tensor({w[0]}, 3);
    inputs.push_back("B");
  }
  auto g = make_graph({make_node("Conv", inputs, {"Y"}, std::move(attrs))}, {"X"}, {"Y"}, init);
  expect_cpu_matches_ref(*g, {{"X", random_tensor(x, 1)}}, expect);
}

TEST(CpuConv, PaddedStridedBatchFiveOddSizes) {
  check_conv({5, 3, 11, 13}, {7, 3, 3, 3},
             {{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"strides", std::vector<int64_t>{2, 2}}});
}

TEST(CpuConv, AsymmetricPadsNoBias) {
  check_conv({1, 5, 9, 7}, {3, 5, 3, 2}, {{"pads", std::vector<int64_t>{0, 1, 2, 0}}}, false);
}

TEST(CpuConv, Grouped) {
  check_conv({1, 6, 9, 9}, {6, 2, 3, 3}, {{"group", int64_t{3}}});
}

TEST(CpuConv, DepthwiseDilatedSameUpper) {
  check_conv({2, 17, 10, 10}, {17, 1, 3, 3},
             {{"group", int64_t{17}}, {"dilations", std::vector<int64_t>{2, 2}},
              {"auto_pad", std::string("SAME_UPPER")}});
}

TEST(CpuConv, OneDimensionalAndThreeDimensional) {
  check_conv({2, 5, 17}, {4, 5, 3}, {{"strides", std::vector<int64_t>{2}}});
  check_conv({1, 3, 5, 6, 7}, {4, 3, 2, 3, 3}, {});
}

TEST(CpuConv, BlockedChannelsAndWinogradShapes) {
  // 16-channel multiples take the nChw16c layout; 3x3 stride 1 is Winograd's shape, where the
  // kernel is chosen by timing (conv_choice.h). Winograd errs by up to about 2e-6 of the
  // output's largest magnitude per layer here: the model tolerance plus that scale term.
  const testing::CpuExpectation winograd = testing::kWinograd;
  check_conv({5, 32, 9, 11}, {48, 32, 3, 3}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}, true,
             winograd);
  check_conv({1, 16, 14, 14}, {16, 16, 3, 3}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}, true,
             winograd);
  check_conv({2, 32, 7, 7}, {64, 32, 1, 1}, {{"strides", std::vector<int64_t>{2, 2}}});
}

// DeepLab's pyramid on a 14x14 map, compiled for the input's shape (passes/conv_tap_trimming.h):
// dilated 24, every tap but the centre reads only padding, and a pointwise kernel runs where
// oneDNN had only im2col + GEMM over all nine taps; dilated 12, the outer taps read the map near
// its edges only, and it runs as 9 regions' Convs; dilated 6, every tap reads much of the map
// and the Conv stays whole.
TEST(CpuConv, DilatedPastTheMapRunsOnlyTheTapsThatReadIt) {
  for (const auto& [dilation, steps_expected] :
       {std::pair{24, 1}, std::pair{12, 19}, std::pair{6, 1}}) {
    const std::vector<int64_t> d = {dilation, dilation}, pads(4, dilation);
    auto g = make_graph(
        {make_node("Conv", {"X", "W", "B"}, {"Y"}, {{"dilations", d}, {"pads", pads}}),
         make_node("Relu", {"Y"}, {"Z"})},
        {"X"}, {"Z"}, {{"W", random_tensor({24, 32, 3, 3}, 2)}, {"B", random_tensor({24}, 3)}});
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({2, 32, 14, 14}, 1)}};
    const ir::Graph frozen = testing::frozen_for(*g, feeds);
    SCOPED_TRACE("dilation " + std::to_string(dilation));
    expect_cpu_matches_ref(frozen, feeds);
    std::vector<runtime::StepProfile> steps;
    runtime::Plan(frozen, {"CPU", "REF"}).run(feeds, 0, &steps);
    // 9 Convs, 5 Slices, 4 Concats and the Relu; or one Conv+Relu.
    EXPECT_EQ(steps.size(), static_cast<size_t>(steps_expected));
    if (dilation == 24) {
      EXPECT_NE(steps[0].implementation.find("1x1"), std::string::npos);
    }
    for (const runtime::StepProfile& s : steps)
      EXPECT_TRUE(dilation != 12 || s.implementation.find("gemm") == std::string::npos)
          << s.node << ": " << s.implementation;
  }
}

TEST(CpuConv, GroupedAndDepthwiseWithAnyChannelCount) {
  // Groups that do not fill whole channel blocks run in the layout oneDNN picks
  // (devices/cpu/ops/conv.cpp); ResNeXt-50's 32 groups of 4 channels among them.
  const std::vector<int64_t> same = {1, 1, 1, 1};
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    check_conv({batch, 128, 9, 9}, {128, 4, 3, 3}, {{"group", int64_t{32}}, {"pads", same}});
    check_conv({batch, 15, 9, 11}, {15, 5, 3, 3}, {{"group", int64_t{3}}, {"pads", same}});
    check_conv({batch, 24, 10, 10}, {24, 1, 3, 3}, {{"group", int64_t{24}}, {"pads", same}});
    check_conv({batch, 40, 11, 11}, {40, 1, 3, 3},
               {{"group", int64_t{40}}, {"pads", same}, {"strides", std::vector<int64_t>{2, 2}}});
    check_conv({batch, 32, 7, 7}, {32, 1, 3, 3}, {{"group", int64_t{32}}, {"pads", same}});
    check_conv({batch, 12, 7, 7}, {24, 1, 3, 3}, {{"group", int64_t{12}}});  // multiplier 2
  }
}

void check_conv_transpose(ir::Dims x, ir::Dims w, Attrs attrs) {
  const auto group = attrs.count("group") ? std::get<int64_t>(attrs.at("group")) : 1;
  auto g = make_graph({make_node("ConvTranspose", {"X", "W", "B"}, {"Y"}, std::move(attrs))}, {"X"},
                      {"Y"}, {{"W", random_tensor(w, 2)}, {"B", random_tensor({w[1] * group}, 3)}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor(x, 1)}});
}

TEST(CpuConvTranspose, StridedPaddedGroupedDilatedOutputPaddingSame) {
  using Ints = std::vector<int64_t>;
  check_conv_transpose({2, 5, 7, 9}, {5, 4, 3, 3}, {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
  check_conv_transpose({1, 6, 5, 5}, {6, 3, 3, 3}, {{"group", int64_t{2}}, {"dilations", Ints{2, 2}}});
  check_conv_transpose({1, 3, 4, 5}, {3, 2, 3, 3},
                       {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"output_padding", Ints{1, 1}}});
  check_conv_transpose({5, 4, 6, 7}, {4, 7, 3, 3},
                       {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  check_conv_transpose({2, 3, 11}, {3, 2, 4}, {{"strides", Ints{3}}});
}

TEST(CpuConv, WeightsFedAtRunTime) {
  auto g = make_graph({make_node("Conv", {"X", "W"}, {"Y"})}, {"X", "W"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({1, 4, 6, 6}, 1)},
                              {"W", random_tensor({5, 4, 3, 3}, 2)}});
}

}  // namespace
}  // namespace zenith
