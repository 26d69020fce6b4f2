#include <gtest/gtest.h>

#include <cmath>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefSoftmax, NormalizesAlongTheLastAxisByDefault) {
  auto out = run_node("Softmax", {make_tensor<float>({2, 2}, {0, 0, 0, std::log(3.0f)})});
  const std::vector<float> y = values_of<float>(out[0]);
  EXPECT_FLOAT_EQ(y[0], 0.5f);
  EXPECT_FLOAT_EQ(y[1], 0.5f);
  EXPECT_FLOAT_EQ(y[2], 0.25f);
  EXPECT_FLOAT_EQ(y[3], 0.75f);
}

TEST(RefSoftmax, AxisZeroNormalizesColumns) {
  auto out =
      run_node("Softmax", {make_tensor<double>({2, 2}, {1, 5, 1, 5})}, {{"axis", int64_t{0}}});
  EXPECT_EQ(values_of<double>(out[0]), (std::vector<double>{0.5, 0.5, 0.5, 0.5}));
}

TEST(RefLogSoftmax, StaysFiniteForLargeInputs) {
  auto out = run_node("LogSoftmax", {make_tensor<float>({2}, {10000, 10000})});
  EXPECT_FLOAT_EQ(values_of<float>(out[0])[0], -std::log(2.0f));
}

TEST(RefHardmax, MarksTheFirstMaximumOnly) {
  auto out = run_node("Hardmax", {make_tensor<float>({2, 3}, {1, 3, 3, -1, -2, -3})});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{0, 1, 0, 1, 0, 0}));
}

TEST(RefSoftmax, IntegerInputIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Softmax", {make_tensor<int32_t>({2}, {1, 2})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("floating"), std::string::npos) << message;
}

TEST(RefSoftmax, AxisOutOfRangeIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Hardmax", {make_tensor<float>({2}, {1, 2})}, {{"axis", int64_t{1}}});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("axis"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
