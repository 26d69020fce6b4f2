#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

const ir::Tensor kResizeRow = make_tensor<float>({1, 2}, {1, 3});

std::vector<float> resize_row(std::map<std::string, ir::Attribute> attrs,
                              std::vector<int64_t> sizes) {
  auto out = run_node(
      "Resize",
      {kResizeRow, ir::Tensor(), ir::Tensor(), make_tensor<int64_t>({2}, std::move(sizes))},
      std::move(attrs));
  return values_of<float>(out[0]);
}

TEST(RefResize, LinearHalfPixelClampsAtTheEdges) {
  EXPECT_EQ(resize_row({{"mode", std::string("linear")}}, {1, 4}),
            (std::vector<float>{1, 1.5f, 2.5f, 3}));
}

TEST(RefResize, LinearAlignCornersHitsBothEnds) {
  EXPECT_EQ(resize_row({{"mode", std::string("linear")},
                        {"coordinate_transformation_mode", std::string("align_corners")}},
                       {1, 3}),
            (std::vector<float>{1, 2, 3}));
}

TEST(RefResize, NearestModesDifferOnHalves) {
  // asymmetric, x2: source coordinates 0, 0.5, 1, 1.5.
  const auto floor = resize_row({{"coordinate_transformation_mode", std::string("asymmetric")},
                                 {"nearest_mode", std::string("round_prefer_floor")}},
                                {1, 4});
  const auto ceil = resize_row({{"coordinate_transformation_mode", std::string("asymmetric")},
                                {"nearest_mode", std::string("round_prefer_ceil")}},
                               {1, 4});
  EXPECT_EQ(floor, (std::vector<float>{1, 1, 3, 3}));
  EXPECT_EQ(ceil, (std::vector<float>{1, 3, 3, 3}));
}

TEST(RefResize, CubicKeepsConstantsConstant) {
  const ir::Tensor x = make_tensor<float>({2, 2}, {5, 5, 5, 5});
  auto out = run_node("Resize", {x, ir::Tensor(), make_tensor<float>({2}, {2.0f, 1.5f})},
                      {{"mode", std::string("cubic")}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{4, 3}));
  for (float v : values_of<float>(out[0])) EXPECT_NEAR(v, 5.0f, 1e-5f);
}

TEST(RefResize, CropAndResizeExtrapolatesOutsideTheRoi) {
  auto out = run_node("Resize",
                      {kResizeRow, make_tensor<float>({4}, {0, 0, 1, 2}), ir::Tensor(),
                       make_tensor<int64_t>({2}, {1, 3})},
                      {{"mode", std::string("linear")},
                       {"coordinate_transformation_mode", std::string("tf_crop_and_resize")},
                       {"extrapolation_value", 9.0f}});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{1, 3, 9}));
}

TEST(RefResize, NeedsExactlyOneOfScalesAndSizes) {
  const std::string message =
      error_message([] { run_node("Resize", {kResizeRow}); }, Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("'scales'"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
