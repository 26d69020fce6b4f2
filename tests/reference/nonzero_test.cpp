#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefNonZero, CoordinatesPerAxis) {
  auto out = run_node("NonZero", {make_tensor<bool>({2, 2}, {true, false, false, true})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 2}));
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{0, 1, 0, 1}));
}

TEST(RefCompress, WithAndWithoutAxis) {
  const ir::Tensor x = make_tensor<int32_t>({2, 2}, {1, 2, 3, 4});
  auto out =
      run_node("Compress", {x, make_tensor<bool>({2}, {false, true})}, {{"axis", int64_t{1}}});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{2, 4}));
  out = run_node("Compress", {x, make_tensor<bool>({3}, {false, true, true})});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{2, 3}));
}

TEST(RefCompress, ConditionBeyondTheAxisIsAnError) {
  const ir::Tensor x = make_tensor<int32_t>({2}, {1, 2});
  error_message(
      [&] {
        run_node("Compress", {x, make_tensor<bool>({3}, {false, false, true})});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
