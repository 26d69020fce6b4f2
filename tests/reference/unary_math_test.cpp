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

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(RefUnaryMath, RoundHalvesToEven) {
  auto out = run_node("Round", {make_tensor<float>({6}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.6f})});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{0, 2, 2, -0.0f, -2, 3}));
}

TEST(RefUnaryMath, AbsAndNegOnIntegersWrapAtTheMinimum) {
  auto abs = run_node("Abs", {make_tensor<int8_t>({3}, {-128, -5, 7})});
  EXPECT_EQ(values_of<int8_t>(abs[0]), (std::vector<int8_t>{-128, 5, 7}));
  auto neg = run_node("Neg", {make_tensor<int64_t>({2}, {INT64_MIN, 3})});
  EXPECT_EQ(values_of<int64_t>(neg[0]), (std::vector<int64_t>{INT64_MIN, -3}));
}

TEST(RefUnaryMath, SignKeepsNaNAndHandlesUnsigned) {
  auto f = values_of<float>(run_node("Sign", {make_tensor<float>({4}, {-2, 0, 3, kNaN})})[0]);
  EXPECT_EQ(f[0], -1);
  EXPECT_EQ(f[1], 0);
  EXPECT_EQ(f[2], 1);
  EXPECT_TRUE(std::isnan(f[3]));
  auto u = run_node("Sign", {make_tensor<uint8_t>({2}, {0, 200})});
  EXPECT_EQ(values_of<uint8_t>(u[0]), (std::vector<uint8_t>{0, 1}));
}

TEST(RefUnaryMath, Float16ComputesInFloat) {
  auto out =
      run_node("Sqrt", {make_tensor<ir::Float16>({2}, {ir::Float16(4.0f), ir::Float16(2.0f)})});
  auto y = values_of<ir::Float16>(out[0]);
  EXPECT_EQ(float(y[0]), 2.0f);
  EXPECT_NEAR(float(y[1]), 1.41421f, 1e-3);
}

TEST(RefUnaryMath, SigmoidSaturatesWithoutNaN) {
  auto y = values_of<float>(run_node("Sigmoid", {make_tensor<float>({3}, {-1000, 0, 1000})})[0]);
  EXPECT_EQ(y, (std::vector<float>{0, 0.5f, 1}));
}

TEST(RefUnaryMath, IsInfHonorsDirectionAttributes) {
  auto x = make_tensor<float>({4}, {-kInf, kInf, kNaN, 1});
  auto both = run_node("IsInf", {x});
  EXPECT_EQ(values_of<bool>(both[0]), (std::vector<bool>{true, true, false, false}));
  auto negative = run_node("IsInf", {x}, {{"detect_positive", int64_t{0}}});
  EXPECT_EQ(values_of<bool>(negative[0]), (std::vector<bool>{true, false, false, false}));
  auto nan = run_node("IsNaN", {x});
  EXPECT_EQ(values_of<bool>(nan[0]), (std::vector<bool>{false, false, true, false}));
}

TEST(RefTrigonometry, InverseFunctionsOnBFloat16) {
  auto x = make_tensor<ir::BFloat16>({2}, {ir::BFloat16(0.5f), ir::BFloat16(-1.0f)});
  auto y = values_of<ir::BFloat16>(run_node("Atan", {x})[0]);
  EXPECT_NEAR(float(y[0]), std::atan(0.5f), 4e-3);
  EXPECT_NEAR(float(y[1]), std::atan(-1.0f), 4e-3);
}

TEST(RefUnaryMath, RejectsDtypeOutsideTheOpsConstraint) {
  const std::string message = error_message(
      [] { run_node("Sqrt", {make_tensor<int32_t>({1}, {4})}); }, Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("dtype i32"), std::string::npos) << message;
  EXPECT_NE(message.find("floating point"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
