#include <gtest/gtest.h>

#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_tensor;
using testing::run_node;
using Ints = std::vector<int64_t>;

std::vector<float> values(const ir::Value& v) {
  const ir::Tensor& t = v.tensor();
  return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

TEST(RefConv, PaddedStridedWithBias) {
  // 1x1x3x3 input 1..9, 2x2 kernel of ones, pad 1, stride 2: corner sums plus bias 10.
  auto x = make_tensor<float>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto w = make_tensor<float>({1, 1, 2, 2}, {1, 1, 1, 1});
  auto b = make_tensor<float>({1}, {10});
  auto out = run_node("Conv", {x, w, b}, {{"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 1, 2, 2}));
  EXPECT_EQ(values(out[0]), (std::vector<float>{11, 15, 21, 38}));
}

TEST(RefConv, DepthwiseDilatedSameUpper) {
  // Two channels, group 2, 1-D dilation 2, SAME_UPPER keeps the length.
  auto x = make_tensor<float>({1, 2, 4}, {1, 2, 3, 4, 10, 20, 30, 40});
  auto w = make_tensor<float>({2, 1, 2}, {1, 1, 1, -1});
  auto out = run_node(
      "Conv", {x, w},
      {{"group", int64_t{2}}, {"dilations", Ints{2}}, {"auto_pad", std::string("SAME_UPPER")}});
  // total pad = 2 -> 1 before, 1 after: taps at i-1 and i+1.
  EXPECT_EQ(values(out[0]), (std::vector<float>{2, 4, 6, 3, -20, -20, -20, 30}));
}

TEST(RefConv, ChannelMismatchIsInvalidArgument) {
  auto x = make_tensor<float>({1, 3, 2, 2}, std::vector<float>(12, 1));
  auto w = make_tensor<float>({1, 2, 1, 1}, {1, 1});
  try {
    run_node("Conv", {x, w});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("channels"), std::string::npos) << e.what();
  }
}

TEST(RefConvTranspose, OutputPaddingGrowsTheEnd) {
  auto x = make_tensor<float>({1, 1, 2}, {1, 2});
  auto w = make_tensor<float>({1, 1, 2}, {1, 1});
  auto out = run_node("ConvTranspose", {x, w}, {{"strides", Ints{2}}, {"output_padding", Ints{1}}});
  EXPECT_EQ(values(out[0]), (std::vector<float>{1, 1, 2, 2, 0}));
}

TEST(RefConvInteger, SubtractsZeroPoints) {
  auto x = make_tensor<uint8_t>({1, 1, 2, 2}, {1, 2, 3, 4});
  auto w = make_tensor<uint8_t>({1, 1, 1, 1}, {3});
  auto x_zp = make_tensor<uint8_t>({}, {1});
  auto w_zp = make_tensor<uint8_t>({}, {1});
  auto out = run_node("ConvInteger", {x, w, x_zp, w_zp});
  const ir::Tensor& y = out[0].tensor();
  ASSERT_EQ(y.dtype(), ir::DType::I32);
  EXPECT_EQ(y.data<int32_t>()[3], 6);
}

}  // namespace
}  // namespace zenith
