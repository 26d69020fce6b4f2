#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefOneHot, NegativeIndicesWrapAndOutOfRangeAreAllOff) {
  auto out = run_node("OneHot", {make_tensor<int64_t>({3}, {-1, 5, 0}),
                                 ir::Tensor::scalar<float>(3), make_tensor<int32_t>({2}, {0, 9})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{3, 3}));
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{0, 0, 9, 0, 0, 0, 9, 0, 0}));
}

TEST(RefOneHot, AxisZeroPutsDepthFirst) {
  auto out = run_node("OneHot",
                      {make_tensor<int32_t>({2}, {1, 0}), ir::Tensor::scalar<int64_t>(2),
                       make_tensor<float>({2}, {0, 1})},
                      {{"axis", int64_t{0}}});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{0, 1, 1, 0}));
  error_message(
      [] {
        run_node("OneHot", {make_tensor<int32_t>({1}, {0}), ir::Tensor::scalar<int64_t>(0),
                            make_tensor<float>({2}, {0, 1})});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
