#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

const ir::Tensor kSquare = make_tensor<int32_t>({2, 2}, {1, 2, 3, 4});

TEST(RefTrilu, UpperAndLowerWithK) {
  EXPECT_EQ(values_of<int32_t>(run_node("Trilu", {kSquare})[0]),
            (std::vector<int32_t>{1, 2, 0, 4}));
  auto out = run_node("Trilu", {kSquare, ir::Tensor::scalar<int64_t>(-1)}, {{"upper", int64_t{0}}});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{0, 0, 3, 0}));
  out = run_node("Trilu", {kSquare, ir::Tensor::scalar<int64_t>(5)});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{0, 0, 0, 0}));
}

TEST(RefTrilu, RankOneIsAnError) {
  error_message(
      [] {
        run_node("Trilu", {make_tensor<int32_t>({2}, {1, 2})});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
