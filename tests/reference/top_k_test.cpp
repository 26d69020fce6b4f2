#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefTopK, TiesKeepTheLowerIndexFirst) {
  auto out = run_node(
      "TopK", {make_tensor<int32_t>({5}, {3, 7, 3, 7, 1}), make_tensor<int64_t>({1}, {3})}, {}, 2);
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{7, 7, 3}));
  EXPECT_EQ(values_of<int64_t>(out[1]), (std::vector<int64_t>{1, 3, 0}));
}

TEST(RefTopK, SmallestAlongAxis0) {
  auto out =
      run_node("TopK", {make_tensor<float>({2, 2}, {4, 1, 2, 3}), make_tensor<int64_t>({1}, {1})},
               {{"axis", int64_t{0}}, {"largest", int64_t{0}}}, 2);
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{2, 1}));
  EXPECT_EQ(values_of<int64_t>(out[1]), (std::vector<int64_t>{1, 0}));
}

TEST(RefTopK, KLargerThanTheAxisIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("TopK", {make_tensor<float>({2}, {1, 2}), make_tensor<int64_t>({1}, {3})}, {}, 2);
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("'K'"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
