#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefUnique, UnsortedKeepsFirstOccurrenceOrder) {
  auto out = run_node("Unique", {make_tensor<float>({6}, {2, 1, 1, 3, 4, 3})},
                      {{"sorted", int64_t{0}}}, 4);
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{2, 1, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(out[1]), (std::vector<int64_t>{0, 1, 3, 4}));
  EXPECT_EQ(values_of<int64_t>(out[2]), (std::vector<int64_t>{0, 1, 1, 2, 3, 2}));
  EXPECT_EQ(values_of<int64_t>(out[3]), (std::vector<int64_t>{1, 2, 2, 1}));
}

TEST(RefUnique, SortedRowsAlongAxis) {
  const ir::Tensor x = make_tensor<int32_t>({3, 2}, {2, 0, 1, 5, 2, 0});
  auto out = run_node("Unique", {x}, {{"axis", int64_t{0}}}, 4);
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 2}));
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{1, 5, 2, 0}));
  EXPECT_EQ(values_of<int64_t>(out[1]), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(values_of<int64_t>(out[2]), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(values_of<int64_t>(out[3]), (std::vector<int64_t>{1, 2}));
}

TEST(RefUnique, Strings) {
  auto out = run_node("Unique", {make_tensor<std::string>({3}, {"b", "a", "b"})});
  EXPECT_EQ(values_of<std::string>(out[0]), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace zenith
