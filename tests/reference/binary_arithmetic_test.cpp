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

TEST(RefBinaryArithmetic, AddBroadcastsBothWays) {
  auto a = make_tensor<float>({2, 1}, {1, 2});
  auto b = make_tensor<float>({3}, {10, 20, 30});
  auto out = run_node("Add", {a, b});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 3}));
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{11, 21, 31, 12, 22, 32}));
}

TEST(RefBinaryArithmetic, IntegerDivisionTruncatesTowardZero) {
  auto out = run_node("Div", {make_tensor<int32_t>({4}, {7, -7, 7, INT32_MIN}),
                              make_tensor<int32_t>({4}, {2, 2, -2, -1})});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{3, -3, -3, INT32_MIN}));
}

TEST(RefBinaryArithmetic, IntegerOverflowWraps) {
  auto out =
      run_node("Mul", {make_tensor<uint16_t>({1}, {65535}), make_tensor<uint16_t>({1}, {65535})});
  EXPECT_EQ(values_of<uint16_t>(out[0]), (std::vector<uint16_t>{1}));
}

TEST(RefBinaryArithmetic, ErrorsNameTheProblem) {
  std::string message = error_message(
      [] {
        run_node("Div", {make_tensor<int64_t>({1}, {1}), make_tensor<int64_t>({1}, {0})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("division by zero"), std::string::npos) << message;
  message = error_message(
      [] {
        run_node("Add", {make_tensor<float>({1}, {1}), make_tensor<double>({1}, {1})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("must match"), std::string::npos) << message;
  message = error_message(
      [] {
        run_node("Sub", {make_tensor<float>({2}, {1, 2}), make_tensor<float>({3}, {1, 2, 3})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("cannot be broadcast"), std::string::npos) << message;
}

TEST(RefPow, ExponentDtypeMayDifferAndIntegerPowersAreExact) {
  auto f = run_node("Pow", {make_tensor<float>({2}, {2, 9}), make_tensor<int64_t>({2}, {3, -1})});
  auto y = values_of<float>(f[0]);
  EXPECT_EQ(y[0], 8.0f);
  EXPECT_NEAR(y[1], 1.0f / 9.0f, 1e-7);
  auto i = run_node("Pow", {make_tensor<int64_t>({1}, {3}), make_tensor<int32_t>({1}, {39})});
  EXPECT_EQ(values_of<int64_t>(i[0])[0], 4052555153018976267LL);
}

TEST(RefMod, SignFollowsDivisorOrDividend) {
  auto a = make_tensor<int32_t>({4}, {5, -5, 5, -5});
  auto b = make_tensor<int32_t>({4}, {3, 3, -3, -3});
  EXPECT_EQ(values_of<int32_t>(run_node("Mod", {a, b})[0]), (std::vector<int32_t>{2, 1, -1, -2}));
  EXPECT_EQ(values_of<int32_t>(run_node("Mod", {a, b}, {{"fmod", int64_t{1}}})[0]),
            (std::vector<int32_t>{2, -2, 2, -2}));
  auto f = run_node("Mod", {make_tensor<float>({1}, {-5.5f}), make_tensor<float>({1}, {2})},
                    {{"fmod", int64_t{1}}});
  EXPECT_EQ(values_of<float>(f[0])[0], -1.5f);
}

TEST(RefMod, FloatsRequireFmod) {
  const std::string message = error_message(
      [] {
        run_node("Mod", {make_tensor<float>({1}, {1}), make_tensor<float>({1}, {2})});
      },
      Error::Kind::InvalidModel);
  EXPECT_NE(message.find("'fmod' must be 1"), std::string::npos) << message;
}

TEST(RefBitShift, ShiftsBothWaysAndOutOfWidthGivesZero) {
  auto x = make_tensor<uint8_t>({3}, {0x81, 16, 1});
  auto amount = make_tensor<uint8_t>({3}, {1, 2, 8});
  EXPECT_EQ(values_of<uint8_t>(
                run_node("BitShift", {x, amount}, {{"direction", std::string("LEFT")}})[0]),
            (std::vector<uint8_t>{0x02, 64, 0}));
  EXPECT_EQ(values_of<uint8_t>(
                run_node("BitShift", {x, amount}, {{"direction", std::string("RIGHT")}})[0]),
            (std::vector<uint8_t>{0x40, 4, 0}));
  const std::string message = error_message(
      [&] {
        run_node("BitShift", {x, amount}, {{"direction", std::string("UP")}});
      },
      Error::Kind::InvalidModel);
  EXPECT_NE(message.find("direction"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
