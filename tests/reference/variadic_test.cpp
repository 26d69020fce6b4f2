#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefVariadic, MaxMinBroadcastAcrossThreeInputs) {
  auto a = make_tensor<int32_t>({2, 1}, {1, 5});
  auto b = make_tensor<int32_t>({3}, {0, 3, 6});
  auto c = make_tensor<int32_t>({}, {2});
  auto max = run_node("Max", {a, b, c});
  EXPECT_EQ(max[0].tensor().dims(), (ir::Dims{2, 3}));
  EXPECT_EQ(values_of<int32_t>(max[0]), (std::vector<int32_t>{2, 3, 6, 5, 5, 6}));
  EXPECT_EQ(values_of<int32_t>(run_node("Min", {a, b, c})[0]),
            (std::vector<int32_t>{0, 1, 1, 0, 2, 2}));
}

TEST(RefVariadic, MaxPropagatesNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto y = values_of<float>(
      run_node("Max", {make_tensor<float>({2}, {nan, 1}), make_tensor<float>({2}, {1, nan})})[0]);
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_TRUE(std::isnan(y[1]));
}

TEST(RefVariadic, SumAndMeanOfOneAndSeveralInputs) {
  auto a = make_tensor<float>({2}, {1, 2});
  auto b = make_tensor<float>({2}, {3, 6});
  EXPECT_EQ(values_of<float>(run_node("Sum", {a})[0]), (std::vector<float>{1, 2}));
  EXPECT_EQ(values_of<float>(run_node("Sum", {a, b})[0]), (std::vector<float>{4, 8}));
  EXPECT_EQ(values_of<float>(run_node("Mean", {a, b})[0]), (std::vector<float>{2, 4}));
}

TEST(RefVariadic, SumRejectsIntegersAndMixedDtypes) {
  auto i = make_tensor<int32_t>({1}, {1});
  error_message([&] { run_node("Sum", {i, i}); }, Error::Kind::InvalidArgument);
  const std::string message = error_message(
      [&] {
        run_node("Max", {i, make_tensor<int64_t>({1}, {1})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("must match"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
