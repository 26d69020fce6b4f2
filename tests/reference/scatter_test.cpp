#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefScatterElements, DuplicateIndicesAccumulateWithAdd) {
  auto out = run_node("ScatterElements",
                      {make_tensor<float>({1, 3}, {1, 2, 3}), make_tensor<int64_t>({1, 2}, {1, 1}),
                       make_tensor<float>({1, 2}, {10, 20})},
                      {{"axis", int64_t{1}}, {"reduction", std::string("add")}});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{1, 32, 3}));
}

TEST(RefScatterElements, NegativeIndexAndStrings) {
  auto out = run_node("ScatterElements",
                      {make_tensor<std::string>({3}, {"a", "b", "c"}),
                       make_tensor<int32_t>({1}, {-1}), make_tensor<std::string>({1}, {"z"})});
  EXPECT_EQ(values_of<std::string>(out[0]), (std::vector<std::string>{"a", "b", "z"}));
}

TEST(RefScatterND, WritesSlicesAndMultiplies) {
  const ir::Tensor data = make_tensor<int32_t>({2, 2}, {1, 2, 3, 4});
  auto out = run_node(
      "ScatterND", {data, make_tensor<int64_t>({1, 1}, {1}), make_tensor<int32_t>({1, 2}, {5, 6})});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{1, 2, 5, 6}));
  out = run_node(
      "ScatterND",
      {data, make_tensor<int64_t>({2, 2}, {0, 1, 0, 1}), make_tensor<int32_t>({2}, {2, 3})},
      {{"reduction", std::string("mul")}});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{1, 12, 3, 4}));
}

TEST(RefScatterND, OutOfRangeIndexAndBadUpdatesShapeAreErrors) {
  const ir::Tensor data = make_tensor<int32_t>({2, 2}, {1, 2, 3, 4});
  const std::string message = error_message(
      [&] {
        run_node("ScatterND",
                 {data, make_tensor<int64_t>({1, 1}, {2}), make_tensor<int32_t>({1, 2}, {5, 6})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("index 2"), std::string::npos) << message;
  error_message(
      [&] {
        run_node("ScatterND",
                 {data, make_tensor<int64_t>({1, 1}, {0}), make_tensor<int32_t>({1}, {5})});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
