#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

const ir::Tensor kRow = make_tensor<int32_t>({4}, {1, 2, 3, 4});

TEST(RefCumSum, ExclusiveAndReverse) {
  const ir::Tensor axis = ir::Tensor::scalar<int32_t>(0);
  EXPECT_EQ(values_of<int32_t>(run_node("CumSum", {kRow, axis})[0]),
            (std::vector<int32_t>{1, 3, 6, 10}));
  auto out = run_node("CumSum", {kRow, axis}, {{"exclusive", int64_t{1}}, {"reverse", int64_t{1}}});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{9, 7, 4, 0}));
}

TEST(RefCumSum, AxisMustBeAnIntegerScalar) {
  error_message(
      [] {
        run_node("CumSum", {kRow, ir::Tensor::scalar<float>(0)});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
