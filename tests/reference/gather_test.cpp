#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

const ir::Tensor kData = make_tensor<float>({2, 3}, {0, 1, 2, 3, 4, 5});

TEST(RefGather, NegativeIndicesAlongAxis1) {
  auto out =
      run_node("Gather", {kData, make_tensor<int32_t>({2}, {-1, 0})}, {{"axis", int64_t{1}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 2}));
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{2, 0, 5, 3}));
}

TEST(RefGather, ScalarIndexDropsTheAxis) {
  auto out = run_node("Gather", {kData, ir::Tensor::scalar<int64_t>(1)});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{3}));
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{3, 4, 5}));
}

TEST(RefGather, OutOfRangeIndexIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Gather", {kData, make_tensor<int64_t>({1}, {2})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("index 2"), std::string::npos) << message;
}

TEST(RefGatherElements, PicksPerPosition) {
  auto out = run_node("GatherElements", {kData, make_tensor<int64_t>({2, 2}, {2, 0, -1, 1})},
                      {{"axis", int64_t{1}}});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{2, 0, 5, 4}));
}

TEST(RefGatherND, BatchDimsIndexEachBatch) {
  // data [2,2,2], indices [2,1] with batch_dims=1: row indices[b] of batch b.
  const ir::Tensor data = make_tensor<int32_t>({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  auto out = run_node("GatherND", {data, make_tensor<int64_t>({2, 1}, {1, 0})},
                      {{"batch_dims", int64_t{1}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 2}));
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{2, 3, 4, 5}));
  error_message(
      [&] {
        run_node("GatherND", {data, make_tensor<int64_t>({1, 4}, {0, 0, 0, 0})});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
