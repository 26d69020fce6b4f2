#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

const ir::Tensor kData = make_tensor<float>({2, 3}, {1, 5, 5, 0, 0, -1});

TEST(RefArgMax, FirstOrLastOfEqualValues) {
  auto out = run_node("ArgMax", {kData}, {{"axis", int64_t{1}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 1}));
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{1, 0}));
  out =
      run_node("ArgMax", {kData},
               {{"axis", int64_t{1}}, {"select_last_index", int64_t{1}}, {"keepdims", int64_t{0}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2}));
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{2, 1}));
}

TEST(RefArgMin, AlongAxis0) {
  auto out = run_node("ArgMin", {kData});
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{1, 1, 1}));
  error_message(
      [] {
        run_node("ArgMin", {kData}, {{"axis", int64_t{2}}});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
