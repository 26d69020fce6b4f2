#include <gtest/gtest.h>

#include <cmath>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

// Log-probabilities of 3 samples over 2 classes.
const ir::Tensor kInput = make_tensor<float>({3, 2}, {-1, -2, -3, -4, -5, -6});
const ir::Tensor kWeight = make_tensor<float>({2}, {2, 0.5f});

TEST(RefNllLoss, NoneGathersTheTargetClass) {
  auto out = run_node("NegativeLogLikelihoodLoss", {kInput, make_tensor<int64_t>({3}, {1, 0, 1})},
                      {{"reduction", std::string("none")}});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{2, 3, 6}));
}

TEST(RefNllLoss, MeanDividesByTheWeightsOfTargetsNotIgnored) {
  auto out = run_node("NegativeLogLikelihoodLoss",
                      {kInput, make_tensor<int32_t>({3}, {1, 0, -7}), kWeight},
                      {{"ignore_index", int64_t{-7}}});
  // (2 * 0.5 + 3 * 2) / (0.5 + 2)
  EXPECT_EQ(out[0].tensor().dims(), ir::Dims{});
  EXPECT_FLOAT_EQ(values_of<float>(out[0])[0], 7.0f / 2.5f);
}

TEST(RefNllLoss, SpatialTargetsAndSum) {
  // N=1, C=2, d1=2: class scores per position.
  const ir::Tensor input = make_tensor<float>({1, 2, 2}, {-1, -2, -3, -4});
  auto out = run_node("NegativeLogLikelihoodLoss", {input, make_tensor<int64_t>({1, 2}, {1, 0})},
                      {{"reduction", std::string("sum")}});
  EXPECT_FLOAT_EQ(values_of<float>(out[0])[0], 3 + 2);
}

TEST(RefSoftmaxCrossEntropyLoss, ReturnsLossAndLogProb) {
  const ir::Tensor scores = make_tensor<float>({1, 2}, {0, 0});
  auto out = run_node("SoftmaxCrossEntropyLoss", {scores, make_tensor<int64_t>({1}, {1})}, {}, 2);
  EXPECT_FLOAT_EQ(values_of<float>(out[0])[0], std::log(2.0f));
  EXPECT_EQ(out[1].tensor().dims(), (ir::Dims{1, 2}));
  EXPECT_FLOAT_EQ(values_of<float>(out[1])[1], -std::log(2.0f));
}

TEST(RefNllLoss, TargetOutOfRangeIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("NegativeLogLikelihoodLoss", {kInput, make_tensor<int64_t>({3}, {0, 2, 0})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("class 2"), std::string::npos) << message;
}

TEST(RefNllLoss, TargetShapeMustMatchInput) {
  const std::string message = error_message(
      [] {
        run_node("NegativeLogLikelihoodLoss", {kInput, make_tensor<int64_t>({2}, {0, 1})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("target"), std::string::npos) << message;
}

TEST(RefNllLoss, UnknownReductionIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("NegativeLogLikelihoodLoss", {kInput, make_tensor<int64_t>({3}, {0, 1, 0})},
                 {{"reduction", std::string("max")}});
      },
      Error::Kind::InvalidModel);
  EXPECT_NE(message.find("reduction"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
