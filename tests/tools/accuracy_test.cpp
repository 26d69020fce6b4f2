#include "tools/accuracy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/expect_error.h"

namespace zenith::tools {
namespace {

using testing::expect_error;

// Samples with given labels; nothing to load.
class LabelsOnly : public Dataset {
 public:
  LabelsOnly(std::vector<std::string> classes, std::vector<std::vector<int>> labels,
             bool multi_label)
      : classes_(std::move(classes)), labels_(std::move(labels)), multi_label_(multi_label) {}
  std::string name() const override { return "labels-only"; }
  size_t size() const override { return labels_.size(); }
  const std::vector<std::string>& classes() const override { return classes_; }
  bool multi_label() const override { return multi_label_; }
  Tensor load(size_t, const InputLayout&) const override { return {}; }
  Image image(size_t) const override { return {}; }
  std::vector<int> labels(size_t index) const override { return labels_.at(index); }

 private:
  std::vector<std::string> classes_;
  std::vector<std::vector<int>> labels_;
  bool multi_label_;
};

std::optional<double> area(const std::vector<float>& scores, const std::vector<bool>& positive) {
  return auroc(scores, positive);
}

TEST(AccuracyAuroc, MatchesHandCountedPairs) {
  // Pairs (positive, negative): 0.35>0.1, 0.35<0.4, 0.8>0.1, 0.8>0.4: 3 of 4.
  EXPECT_DOUBLE_EQ(area({0.1f, 0.4f, 0.35f, 0.8f}, {false, false, true, true}).value(), 0.75);
  EXPECT_DOUBLE_EQ(area({0.9f, 0.8f, 0.1f}, {true, true, false}).value(), 1.0);
  EXPECT_DOUBLE_EQ(area({0.9f, 0.8f, 0.1f}, {false, false, true}).value(), 0.0);
}

TEST(AccuracyAuroc, CountsTiesAsHalf) {
  // Positives 0.5 and 0.9 against negatives 0.2 and 0.5: 1 + 1/2 + 1 + 1 = 3.5 of 4.
  EXPECT_DOUBLE_EQ(area({0.2f, 0.5f, 0.5f, 0.9f}, {false, true, false, true}).value(), 0.875);
  EXPECT_DOUBLE_EQ(area({0.5f, 0.5f, 0.5f, 0.5f}, {true, false, true, false}).value(), 0.5);
  // Three-way tie at 0.3 between one positive and two negatives, a clear win over 0.1: (1 + 1/2 +
  // 1/2) / 3.
  EXPECT_DOUBLE_EQ(area({0.1f, 0.3f, 0.3f, 0.3f}, {false, true, false, false}).value(), 2.0 / 3.0);
}

TEST(AccuracyAuroc, IsEmptyWithoutPositivesOrNegatives) {
  EXPECT_FALSE(area({0.1f, 0.2f}, {false, false}).has_value());
  EXPECT_FALSE(area({0.1f, 0.2f}, {true, true}).has_value());
  EXPECT_FALSE(area({}, {}).has_value());
}

TEST(AccuracyMeanAuroc, AveragesFindingsAndNamesTheSkipped) {
  // Finding a: AUROC 0.75 (as above); b: ties count half, 0.875; c: no positives; d: all positive.
  const LabelsOnly dataset({"a", "b", "c", "d"}, {{3}, {1, 3}, {0, 3}, {0, 1, 3}}, true);
  const std::vector<size_t> indices = {0, 1, 2, 3};
  // clang-format off
  const std::vector<float> scores = {
      0.1f, 0.2f, 0.7f, 0.5f,
      0.4f, 0.5f, 0.1f, 0.5f,
      0.35f, 0.5f, 0.2f, 0.5f,
      0.8f, 0.9f, 0.3f, 0.5f};
  // clang-format on
  const AccuracyReport report = mean_auroc(dataset, indices, scores);
  EXPECT_EQ(report.metric, "mean AUROC");
  EXPECT_DOUBLE_EQ(report.value, (0.75 + 0.875) / 2);
  ASSERT_EQ(report.per_class.size(), 2u);
  EXPECT_EQ(report.per_class[0].first, "a");
  EXPECT_DOUBLE_EQ(report.per_class[1].second, 0.875);
  EXPECT_EQ(report.skipped,
            (std::vector<std::string>{"c: no positive samples", "d: no negative samples"}));
  EXPECT_EQ(report.samples, 4u);
}

TEST(AccuracyMeanAuroc, ScoresTheGivenIndicesInOrder) {
  const LabelsOnly dataset({"a"}, {{}, {0}, {}, {0}}, true);
  const std::vector<size_t> indices = {3, 0};  // positive, negative
  EXPECT_DOUBLE_EQ(mean_auroc(dataset, indices, std::vector<float>{0.9f, 0.1f}).value, 1.0);
  EXPECT_DOUBLE_EQ(mean_auroc(dataset, indices, std::vector<float>{0.1f, 0.9f}).value, 0.0);
}

TEST(AccuracyMeanAuroc, RefusesBadScores) {
  const LabelsOnly dataset({"a", "b"}, {{0}, {1}}, true);
  const std::vector<size_t> both = {0, 1};
  expect_error(
      [&] {
        mean_auroc(dataset, both, std::vector<float>{1, 2, 3});
      },
      Error::Kind::InvalidArgument, "3 scores do not make one equal row for each of 2 samples");
  expect_error(
      [&] {
        mean_auroc(dataset, both, std::vector<float>{1, 2, 3, 4, 5, 6});
      },
      Error::Kind::InvalidArgument, "the model scores 3 classes, the dataset has 2");
  expect_error(
      [&] {
        mean_auroc(dataset, both, std::vector<float>{1, 2, std::nanf(""), 4});
      },
      Error::Kind::InvalidArgument, "the score of class 0 for sample 1 is NaN");
  expect_error(
      [&] {
        mean_auroc(dataset, std::vector<size_t>{0, 7}, std::vector<float>{1, 2, 3, 4});
      },
      Error::Kind::InvalidArgument,
      "labels-only: sample 7 is out of range; the dataset has 2 samples");
  expect_error([&] { mean_auroc(dataset, std::vector<size_t>{}, std::vector<float>{}); },
               Error::Kind::InvalidArgument, "mean AUROC on labels-only: no samples were scored");
  expect_error(
      [&] {
        mean_auroc(dataset, std::vector<size_t>{0}, std::vector<float>{1, 2});
      },
      Error::Kind::InvalidArgument, "none of the 2 classes has both positive and negative samples");
}

TEST(AccuracyTop1, CountsArgmaxHitsPerClass) {
  const LabelsOnly dataset({"x", "y", "z"}, {{0}, {1}, {2}, {1}}, false);
  const std::vector<size_t> indices = {0, 1, 2, 3};
  // clang-format off
  const std::vector<float> logits = {
      5, 1, 1,     // x: right
      0, 3, -1,    // y: right
      2, 2, 1,     // z: wrong (the tie goes to the first class)
      1, 0, -2};   // y: wrong
  // clang-format on
  const AccuracyReport report = top1_accuracy(dataset, indices, logits);
  EXPECT_EQ(report.metric, "top-1");
  EXPECT_DOUBLE_EQ(report.value, 0.5);
  EXPECT_EQ(report.per_class,
            (std::vector<std::pair<std::string, double>>{{"x", 1.0}, {"y", 0.5}, {"z", 0.0}}));
  EXPECT_TRUE(report.skipped.empty());
  EXPECT_EQ(report.samples, 4u);
}

TEST(AccuracyTop1, RefusesMultiLabelDataAndNarrowRows) {
  const LabelsOnly multi({"a", "b"}, {{0, 1}}, true);
  expect_error(
      [&] {
        top1_accuracy(multi, std::vector<size_t>{0}, std::vector<float>{1, 2});
      },
      Error::Kind::InvalidArgument, "the dataset is multi-label; score it with mean AUROC");
  const LabelsOnly single({"a", "b", "c"}, {{2}}, false);
  expect_error(
      [&] {
        top1_accuracy(single, std::vector<size_t>{0}, std::vector<float>{1, 2});
      },
      Error::Kind::InvalidArgument, "sample 0 has label 2, but the model scores only 2 classes");
}

}  // namespace
}  // namespace zenith::tools
