#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

// Box 1 overlaps box 0 (IoU 0.81); box 2 is far away. Corners as [y1, x1, y2, x2].
const ir::Tensor kBoxes =
    make_tensor<float>({1, 3, 4}, {0, 0, 10, 10, 1, 1, 10, 10, 20, 20, 30, 30});
const ir::Tensor kScores = make_tensor<float>({1, 1, 3}, {0.8f, 0.9f, 0.3f});

TEST(RefNonMaxSuppression, KeepsTheBestOfOverlappingBoxes) {
  auto out = run_node("NonMaxSuppression", {kBoxes, kScores, ir::Tensor::scalar<int64_t>(10),
                                            ir::Tensor::scalar<float>(0.5f)});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 3}));
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{0, 0, 1, 0, 0, 2}));
}

TEST(RefNonMaxSuppression, ScoreThresholdAndLimit) {
  auto out = run_node("NonMaxSuppression",
                      {kBoxes, kScores, ir::Tensor::scalar<int64_t>(1),
                       ir::Tensor::scalar<float>(0.9f), ir::Tensor::scalar<float>(0.5f)});
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{0, 0, 1}));
  auto none = run_node("NonMaxSuppression", {kBoxes, kScores});
  EXPECT_EQ(none[0].tensor().dims(), (ir::Dims{0, 3}));
}

TEST(RefNonMaxSuppression, CenterPointBoxes) {
  // [x_center, y_center, width, height]: the first two coincide, so one suppresses the other.
  const ir::Tensor boxes = make_tensor<float>({1, 2, 4}, {5, 5, 10, 10, 5, 5, 10, 10});
  auto out = run_node("NonMaxSuppression",
                      {boxes, make_tensor<float>({1, 1, 2}, {0.5f, 0.6f}),
                       ir::Tensor::scalar<int64_t>(5), ir::Tensor::scalar<float>(0.5f)},
                      {{"center_point_box", int64_t{1}}});
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{0, 0, 1}));
}

// The greedy selection of one class written out plainly: every candidate checked against every
// box kept so far.
std::vector<int64_t> greedy(const std::vector<float>& b, const std::vector<float>& score,
                            double threshold) {
  const auto area = [&](int64_t i) {
    return (double{b[i * 4 + 2]} - b[i * 4]) * (double{b[i * 4 + 3]} - b[i * 4 + 1]);
  };
  std::vector<int64_t> order(score.size()), kept;
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t i, int64_t j) { return score[i] > score[j]; });
  for (int64_t i : order) {
    bool suppressed = false;
    for (int64_t k : kept) {
      const double h = std::max(
          0.0, std::min<double>(b[k * 4 + 2], b[i * 4 + 2]) - std::max<double>(b[k * 4], b[i * 4]));
      const double w = std::max(0.0, std::min<double>(b[k * 4 + 3], b[i * 4 + 3]) -
                                         std::max<double>(b[k * 4 + 1], b[i * 4 + 1]));
      const double inter = h * w, uni = area(k) + area(i) - inter;
      suppressed =
          suppressed || (inter > 0 && area(k) > 0 && area(i) > 0 && inter / uni > threshold);
    }
    if (!suppressed) kept.push_back(i);
  }
  return kept;
}

// Thousands of boxes, some of zero width, in clusters far apart (as torchvision's batched NMS
// offsets its classes), and wide ones that overlap many: the same selection as checking every
// kept box.
TEST(RefNonMaxSuppression, ManyBoxesAsTheGreedyDefinitionSelects) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  const int64_t count = 3000;
  std::vector<float> boxes, scores;
  for (int64_t i = 0; i < count; ++i) {
    const float offset = 1000.0f * static_cast<float>(i % 5);  // five clusters
    const float y = offset + 100 * unit(rng), x = offset + 100 * unit(rng);
    const float h = i % 97 == 0 ? 0.0f : 40 * unit(rng), w = i % 89 == 0 ? 300.0f : 40 * unit(rng);
    boxes.insert(boxes.end(), {y, x, y + h, x + w});
    scores.push_back(unit(rng));
  }
  for (const float threshold : {0.0f, 0.3f, 0.7f}) {
    auto out = run_node(
        "NonMaxSuppression",
        {make_tensor<float>({1, count, 4}, boxes), make_tensor<float>({1, 1, count}, scores),
         ir::Tensor::scalar<int64_t>(count), ir::Tensor::scalar<float>(threshold)});
    std::vector<int64_t> selected;
    const std::vector<int64_t> triples = values_of<int64_t>(out[0]);
    for (size_t i = 2; i < triples.size(); i += 3) selected.push_back(triples[i]);
    const std::vector<int64_t> expected = greedy(boxes, scores, threshold);
    EXPECT_EQ(selected, expected) << "IoU threshold " << threshold;
    EXPECT_GT(expected.size(), 100u);
    EXPECT_LT(expected.size(), static_cast<size_t>(count));
  }
}

TEST(RefNonMaxSuppression, MismatchedScoresAreAnError) {
  const std::string message = error_message(
      [] {
        run_node("NonMaxSuppression", {kBoxes, make_tensor<float>({1, 1, 2}, {1, 2})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("scores"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
