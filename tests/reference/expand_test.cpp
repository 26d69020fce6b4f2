#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefExpand, BroadcastsBothWays) {
  // [3,1] with shape [2,1,2] -> [2,3,2]: the shape's 1 keeps the input's 3.
  auto out = run_node(
      "Expand", {make_tensor<int32_t>({3, 1}, {1, 2, 3}), make_tensor<int64_t>({3}, {2, 1, 2})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 3, 2}));
  EXPECT_EQ(values_of<int32_t>(out[0])[3], 2);
}

TEST(RefExpand, IncompatibleShapeIsAnError) {
  error_message(
      [] {
        run_node("Expand", {make_tensor<float>({3}, {1, 2, 3}), make_tensor<int64_t>({1}, {2})});
      },
      Error::Kind::InvalidArgument);
}

TEST(RefTile, RepeatsEachAxis) {
  auto out = run_node(
      "Tile", {make_tensor<std::string>({1, 2}, {"a", "b"}), make_tensor<int64_t>({2}, {2, 2})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 4}));
  EXPECT_EQ(values_of<std::string>(out[0]),
            (std::vector<std::string>{"a", "b", "a", "b", "a", "b", "a", "b"}));
  error_message(
      [] {
        run_node("Tile", {make_tensor<float>({2}, {1, 2}), make_tensor<int64_t>({1}, {-1})});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
