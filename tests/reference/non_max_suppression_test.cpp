#include <gtest/gtest.h>

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
