// Classifier heads: which one a model has, and the probabilities and classes reported from it.
#include "tools/classification.h"

#include <gtest/gtest.h>

#include <cmath>

namespace zenith::tools {
namespace {

TEST(Classification, TheLastNodeNamesTheHead) {
  EXPECT_EQ(head_of({{"fc", "Gemm"}, {"out", "Sigmoid", "CPU", "", "fc"}}), Head::sigmoid);
  EXPECT_EQ(head_of({{"fc", "Gemm"}, {"out", "Softmax"}}), Head::softmax);
  EXPECT_EQ(head_of({{"fc", "Gemm"}, {"out", "LogSoftmax"}}), Head::log_softmax);
  EXPECT_EQ(head_of({{"fc", "Gemm"}}), Head::logits);
  EXPECT_EQ(head_of({}), Head::logits);
}

TEST(Classification, ProbabilitiesPerHead) {
  const float logits[] = {1.0f, 2.0f, 3.0f};
  const std::vector<float> soft = probabilities(logits, 3, Head::logits);
  const double sum = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(soft[2], std::exp(3.0) / sum, 1e-6);
  EXPECT_NEAR(soft[0] + soft[1] + soft[2], 1.0, 1e-6);
  const float huge[] = {1000.0f, 999.0f};  // no overflow: shifted by the largest
  EXPECT_NEAR(probabilities(huge, 2, Head::logits)[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  const float logs[] = {std::log(0.25f), std::log(0.75f)};
  EXPECT_NEAR(probabilities(logs, 2, Head::log_softmax)[1], 0.75, 1e-6);
  const float probs[] = {0.9f, 0.2f};
  EXPECT_EQ(probabilities(probs, 2, Head::sigmoid), (std::vector<float>{0.9f, 0.2f}));
}

TEST(Classification, TopAndAboveAreMostProbableFirst) {
  const std::vector<float> p = {0.1f, 0.7f, 0.5f, 0.9f};
  const std::vector<Scored> top = top_k(p, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].index, 3u);
  EXPECT_EQ(top[1].index, 1u);
  EXPECT_EQ(top_k(p, 10).size(), 4u);
  const std::vector<Scored> found = above(p, 0.5f);  // strictly above
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].index, 3u);
  EXPECT_EQ(found[1].index, 1u);
  EXPECT_TRUE(above(p, 0.95f).empty());
  EXPECT_EQ(label_of(1, {"a", "b"}), "b");
  EXPECT_EQ(label_of(2, {"a", "b"}), "class 2");
}

}  // namespace
}  // namespace zenith::tools
