#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

const ir::Tensor kX = make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});

ir::Tensor axes(std::vector<int64_t> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return make_tensor<int64_t>({n}, std::move(values));
}

TEST(RefReduce, SumOverOneAxisWithoutKeepdims) {
  auto out = run_node("ReduceSum", {kX, axes({-1})}, {{"keepdims", int64_t{0}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2}));
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{6, 15}));
}

TEST(RefReduce, AbsentAxesReduceEverythingAndKeepRank) {
  auto out = run_node("ReduceMean", {kX});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 1}));
  EXPECT_FLOAT_EQ(values_of<float>(out[0])[0], 3.5f);
}

TEST(RefReduce, EmptyAxesWithNoopIsIdentity) {
  auto out = run_node("ReduceProd", {kX, axes({})}, {{"noop_with_empty_axes", int64_t{1}}});
  EXPECT_EQ(out[0].tensor().dims(), kX.dims());
  EXPECT_EQ(values_of<float>(out[0]), values_of<float>(kX));
}

TEST(RefReduce, EachOpOnOneRow) {
  const ir::Tensor x = make_tensor<float>({1, 3}, {-1, 2, -3});
  const auto reduce = [&](const char* op) {
    return values_of<float>(run_node(op, {x, axes({1})})[0])[0];
  };
  EXPECT_FLOAT_EQ(reduce("ReduceL1"), 6);
  EXPECT_FLOAT_EQ(reduce("ReduceL2"), std::sqrt(14.0f));
  EXPECT_FLOAT_EQ(reduce("ReduceSumSquare"), 14);
  EXPECT_FLOAT_EQ(reduce("ReduceProd"), 6);
  EXPECT_FLOAT_EQ(reduce("ReduceMax"), 2);
  EXPECT_FLOAT_EQ(reduce("ReduceMin"), -3);
  EXPECT_FLOAT_EQ(reduce("ReduceLogSumExp"),
                  std::log(std::exp(-1.0f) + std::exp(2.0f) + std::exp(-3.0f)));
}

TEST(RefReduce, LogSumExpDoesNotOverflow) {
  auto out = run_node("ReduceLogSumExp", {make_tensor<float>({2}, {1000, 1000})});
  EXPECT_FLOAT_EQ(values_of<float>(out[0])[0], 1000 + std::log(2.0f));
}

TEST(RefReduce, EmptyReductionsYieldTheIdentity) {
  const ir::Tensor empty(ir::DType::F32, {2, 0});
  const auto reduce = [&](const char* op) {
    auto out = run_node(op, {empty, axes({1})}, {{"keepdims", int64_t{0}}});
    EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2}));
    return values_of<float>(out[0])[1];
  };
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(reduce("ReduceSum"), 0);
  EXPECT_EQ(reduce("ReduceProd"), 1);
  EXPECT_EQ(reduce("ReduceMax"), -inf);
  EXPECT_EQ(reduce("ReduceMin"), inf);
  EXPECT_EQ(reduce("ReduceLogSumExp"), -inf);
  EXPECT_EQ(reduce("ReduceLogSum"), -inf);
  EXPECT_TRUE(std::isnan(reduce("ReduceMean")));
}

TEST(RefReduce, IntegerMaxOfNothingIsTheLowestValue) {
  auto out = run_node("ReduceMax", {ir::Tensor(ir::DType::I8, {0})});
  EXPECT_EQ(values_of<int8_t>(out[0]), (std::vector<int8_t>{-128}));
}

TEST(RefReduce, IntegerMeanTruncatesAndSumWraps) {
  const ir::Tensor x = make_tensor<int32_t>({3}, {1, 2, 2147483647});
  EXPECT_EQ(values_of<int32_t>(run_node("ReduceSum", {x})[0])[0], -2147483646);
  EXPECT_EQ(values_of<int32_t>(run_node("ReduceMean", {make_tensor<int32_t>({2}, {-1, -2})})[0])[0],
            -1);
}

TEST(RefReduce, MaxPropagatesNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto out = run_node("ReduceMax", {make_tensor<float>({3}, {1, nan, 3})});
  EXPECT_TRUE(std::isnan(values_of<float>(out[0])[0]));
}

TEST(RefReduce, RepeatedAxisIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("ReduceSum", {kX, axes({1, -1})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("axes"), std::string::npos) << message;
}

TEST(RefReduce, OutOfRangeAxisIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("ReduceMin", {kX, axes({2})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("axes"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
