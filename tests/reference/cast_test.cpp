#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

// ONNX TensorProto.DataType codes.
constexpr int64_t kOnnxFloat = 1;
constexpr int64_t kOnnxInt8 = 3;
constexpr int64_t kOnnxInt32 = 6;
constexpr int64_t kOnnxString = 8;
constexpr int64_t kOnnxBool = 9;
constexpr int64_t kOnnxFloat16 = 10;
constexpr int64_t kOnnxBFloat16 = 16;

std::vector<ir::Value> cast(ir::Tensor x, int64_t to) {
  return run_node("Cast", {std::move(x)}, {{"to", to}});
}

TEST(RefCast, FloatToIntTruncatesAndSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto y = cast(make_tensor<float>({5}, {2.9f, -2.9f, 1000.0f, -1000.0f, nan}), kOnnxInt8);
  EXPECT_EQ(values_of<int8_t>(y[0]), (std::vector<int8_t>{2, -2, 127, -128, 0}));
}

TEST(RefCast, ToBoolAndBack) {
  auto b = cast(make_tensor<float>({3}, {0.0f, -0.5f, 3.0f}), kOnnxBool);
  EXPECT_EQ(values_of<bool>(b[0]), (std::vector<bool>{false, true, true}));
  auto f = cast(b[0].tensor(), kOnnxFloat);
  EXPECT_EQ(values_of<float>(f[0]), (std::vector<float>{0, 1, 1}));
}

TEST(RefCast, SixteenBitFloatsRoundToNearest) {
  auto h = cast(make_tensor<float>({2}, {1.0f + 1.0f / 4096, 65536.0f * 2}), kOnnxFloat16);
  auto hv = values_of<ir::Float16>(h[0]);
  EXPECT_EQ(float(hv[0]), 1.0f);
  EXPECT_TRUE(std::isinf(float(hv[1])));
  auto bf = cast(make_tensor<float>({1}, {1.00390625f}), kOnnxBFloat16);
  EXPECT_EQ(float(values_of<ir::BFloat16>(bf[0])[0]), 1.0f);
}

TEST(RefCast, StringsBothWays) {
  auto s = cast(make_tensor<float>({3}, {0.039187793f, 1.0f, -2.5f}), kOnnxString);
  EXPECT_EQ(values_of<std::string>(s[0]), (std::vector<std::string>{"0.039187793", "1.0", "-2.5"}));
  auto f = cast(make_tensor<std::string>({4}, {"1e-4", "+INF", "NaN", "-3"}), kOnnxFloat);
  auto fv = values_of<float>(f[0]);
  EXPECT_EQ(fv[0], 1e-4f);
  EXPECT_TRUE(std::isinf(fv[1]) && fv[1] > 0);
  EXPECT_TRUE(std::isnan(fv[2]));
  EXPECT_EQ(fv[3], -3.0f);
  auto i = cast(make_tensor<std::string>({2}, {"-123456789", "7.9"}), kOnnxInt32);
  EXPECT_EQ(values_of<int32_t>(i[0]), (std::vector<int32_t>{-123456789, 7}));
}

TEST(RefCast, CastLikeTakesTargetFromSecondInput) {
  auto y = run_node("CastLike", {make_tensor<int32_t>({2}, {1, -2}), make_tensor<double>({0}, {})});
  EXPECT_EQ(values_of<double>(y[0]), (std::vector<double>{1, -2}));
}

TEST(RefCast, ErrorsForBadStringAndBadTarget) {
  std::string message =
      error_message([] { cast(make_tensor<std::string>({1}, {"abc"}), kOnnxFloat); },
                    Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("'abc'"), std::string::npos) << message;
  message = error_message([] { cast(make_tensor<float>({1}, {1}), 14); }, Error::Kind::Unsupported);
  EXPECT_NE(message.find("'to'"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
