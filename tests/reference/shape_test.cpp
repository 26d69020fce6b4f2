#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::run_node;
using testing::values_of;

TEST(RefShape, StartAndEndClampToTheRank) {
  const ir::Tensor x(ir::DType::F32, {2, 3, 4});
  EXPECT_EQ(values_of<int64_t>(run_node("Shape", {x})[0]), (std::vector<int64_t>{2, 3, 4}));
  auto out = run_node("Shape", {x}, {{"start", int64_t{-2}}, {"end", int64_t{10}}});
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{3, 4}));
  out = run_node("Shape", {x}, {{"start", int64_t{2}}, {"end", int64_t{1}}});
  EXPECT_EQ(out[0].tensor().numel(), 0);
}

TEST(RefSize, IsAnI64Scalar) {
  auto out = run_node("Size", {ir::Tensor(ir::DType::String, {2, 5})});
  EXPECT_EQ(out[0].tensor().rank(), 0);
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{10}));
}

}  // namespace
}  // namespace zenith
