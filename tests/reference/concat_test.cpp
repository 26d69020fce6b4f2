#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefConcat, JoinsAlongAnInnerAxis) {
  auto out = run_node(
      "Concat", {make_tensor<int64_t>({2, 1}, {1, 2}), make_tensor<int64_t>({2, 2}, {3, 4, 5, 6})},
      {{"axis", int64_t{-1}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 3}));
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{1, 3, 4, 2, 5, 6}));
}

TEST(RefConcat, MismatchedDimsAreAnError) {
  const std::string message = error_message(
      [] {
        run_node("Concat",
                 {make_tensor<float>({2, 1}, {1, 2}), make_tensor<float>({3, 1}, {3, 4, 5})},
                 {{"axis", int64_t{1}}});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("input 1"), std::string::npos) << message;
}

TEST(RefSplit, GivenSizesAndEqualParts) {
  const ir::Tensor x = make_tensor<std::string>({5}, {"a", "b", "c", "d", "e"});
  auto out = run_node("Split", {x, make_tensor<int64_t>({2}, {2, 3})}, {}, 2);
  EXPECT_EQ(values_of<std::string>(out[1]), (std::vector<std::string>{"c", "d", "e"}));
  // Uneven without sizes: the last part is smaller.
  out = run_node("Split", {x}, {}, 2);
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{3}));
  EXPECT_EQ(out[1].tensor().dims(), (ir::Dims{2}));
}

TEST(RefSplit, SizesMustSumToTheAxis) {
  error_message(
      [] {
        run_node("Split",
                 {make_tensor<float>({4}, {1, 2, 3, 4}), make_tensor<int64_t>({2}, {1, 2})}, {}, 2);
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
