#include <gtest/gtest.h>

#include <limits>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

ir::Tensor ints(std::vector<int64_t> v) {
  const auto n = static_cast<int64_t>(v.size());
  return make_tensor<int64_t>({n}, std::move(v));
}

const ir::Tensor kRow = make_tensor<int32_t>({6}, {0, 1, 2, 3, 4, 5});

TEST(RefSlice, NegativeStepReversesWithClampedBounds) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  auto out = run_node("Slice", {kRow, ints({kMax}), ints({kMin}), ints({0}), ints({-2})});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{5, 3, 1}));
}

TEST(RefSlice, OutOfRangeStartsClampAndEmptyResultIsFine) {
  auto out = run_node("Slice", {kRow, ints({-100}), ints({2})});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{0, 1}));
  out = run_node("Slice", {kRow, ints({4}), ints({2})});
  EXPECT_EQ(out[0].tensor().numel(), 0);
}

TEST(RefSlice, ChosenAxisOfA2dTensor) {
  const ir::Tensor x = make_tensor<float>({2, 3}, {0, 1, 2, 3, 4, 5});
  auto out = run_node("Slice", {x, ints({1}), ints({3}), ints({-1})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 2}));
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{1, 2, 4, 5}));
}

TEST(RefSlice, ZeroStepIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Slice", {kRow, ints({0}), ints({3}), ints({0}), ints({0})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("'steps'"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
