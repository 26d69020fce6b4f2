// Resize on the CPU device against REF: oneDNN's resampling for the attribute and dims
// combinations where its coordinate mapping is ONNX's, our loop over REF's taps for the others.
#include "cpu/inputs.h"

namespace zenith {
namespace {

using testing::after_conv;
using testing::expect_cpu_matches_ref;
using testing::ints;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

ir::Tensor floats(const std::vector<float>& values) {
  ir::Tensor t(ir::DType::F32, {static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

std::map<std::string, ir::Attribute> attrs(const std::string& mode, const std::string& transform,
                                           const std::string& nearest = "round_prefer_floor") {
  return {{"mode", mode}, {"coordinate_transformation_mode", transform}, {"nearest_mode", nearest}};
}

// Resize of "X" by constant `scales` (or `sizes` when scales is empty).
std::shared_ptr<ir::Graph> resize(std::map<std::string, ir::Attribute> a,
                                  const std::vector<float>& scales,
                                  const std::vector<int64_t>& sizes = {}) {
  if (!scales.empty())
    return make_graph({make_node("Resize", {"X", "", "scales"}, {"Y"}, a)}, {"X"}, {"Y"},
                      {{"scales", floats(scales)}});
  return make_graph({make_node("Resize", {"X", "", "", "sizes"}, {"Y"}, a)}, {"X"}, {"Y"},
                    {{"sizes", ints(sizes)}});
}

TEST(CpuResize, LinearHalfPixelUpAndDown) {
  for (const char* transform : {"half_pixel", "pytorch_half_pixel"})
    for (int64_t batch : {1, 3}) {
      SCOPED_TRACE(::testing::Message() << transform << " batch " << batch);
      const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({batch, 3, 5, 7}, 1)}};
      expect_cpu_matches_ref(*resize(attrs("linear", transform), {1, 1, 2, 2}), feeds);
      expect_cpu_matches_ref(*resize(attrs("linear", transform), {}, {batch, 3, 3, 11}), feeds);
      expect_cpu_matches_ref(*resize(attrs("linear", transform), {1, 1, 0.6f, 3}),
                             feeds);  // 5 * 0.6 = 3
    }
  // 5-D.
  expect_cpu_matches_ref(*resize(attrs("linear", "half_pixel"), {1, 1, 2, 2, 2}),
                         {{"X", random_tensor({2, 3, 3, 5, 4}, 1)}});
}

TEST(CpuResize, NearestAsPyTorchAndHalfPixel) {
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({2, 3, 5, 7}, 1)}};
  expect_cpu_matches_ref(*resize(attrs("nearest", "asymmetric", "floor"), {1, 1, 2, 3}), feeds);
  expect_cpu_matches_ref(*resize(attrs("nearest", "half_pixel"), {1, 1, 3, 2}), feeds);
  expect_cpu_matches_ref(
      *resize(attrs("nearest", "half_pixel", "round_prefer_ceil"), {}, {2, 3, 2, 13}), feeds);
  expect_cpu_matches_ref(*resize(attrs("nearest", "asymmetric", "floor"), {1, 1, 2, 2, 2}),
                         {{"X", random_tensor({1, 2, 3, 5, 4}, 1)}});
}

TEST(CpuResize, BlockedInputStaysOnCpu) {
  const auto g = after_conv(
      {make_node("Resize", {"c", "", "scales"}, {"Y"}, attrs("linear", "pytorch_half_pixel"))},
      {{"scales", floats({1, 1, 2, 2})}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 16, 5, 7}, 1)}}, testing::kWinograd);
}

// The kernel the Resize step of `g` ran with `feeds`.
std::string resize_kernel(const ir::Graph& g, const std::map<std::string, ir::Value>& feeds) {
  std::vector<runtime::StepProfile> steps;
  runtime::Plan(g, {"CPU", "REF"}).run(feeds, 0, &steps);
  return steps.back().implementation;
}

TEST(CpuResize, OtherMappingsRunOnOurLoop) {
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({2, 3, 5, 7}, 1)}};
  auto cubic = attrs("cubic", "half_pixel");
  cubic["exclude_outside"] = int64_t{1};
  auto crop = attrs("linear", "tf_crop_and_resize");
  crop["extrapolation_value"] = 0.25f;
  const std::vector<std::shared_ptr<ir::Graph>> graphs = {
      resize(attrs("linear", "align_corners"), {1, 1, 2, 2}),
      resize(attrs("linear", "asymmetric"), {}, {2, 3, 3, 11}),
      resize(cubic, {1, 1, 2, 0.5f}),
      resize(attrs("cubic", "pytorch_half_pixel"), {}, {2, 3, 1, 9}),
      resize(attrs("nearest", "asymmetric", "floor"), {1, 1, 0.5f, 1}),  // downsampled
      resize(attrs("nearest", "tf_half_pixel_for_nn", "ceil"), {1, 1, 1.5f, 2}),
      resize(attrs("nearest", "half_pixel"), {1, 1, 0.4f, 1}),  // round_prefer_floor ties
      resize(attrs("linear", "half_pixel"), {1, 1, 1.5f, 1}),   // a scale that is not out / in
      resize(attrs("linear", "half_pixel"), {1, 2, 1, 1}),      // channels resized
      make_graph({make_node("Resize", {"X", "roi", "scales"}, {"Y"}, crop)}, {"X"}, {"Y"},
                 {{"roi", floats({0, 0, 0.2f, -0.1f, 1, 1, 0.9f, 1.3f})},
                  {"scales", floats({1, 1, 2, 2})}})};
  for (size_t i = 0; i < graphs.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "graph " << i);
    expect_cpu_matches_ref(*graphs[i], feeds, {.rtol = 1e-5, .atol = 1e-5});
    EXPECT_EQ(resize_kernel(*graphs[i], feeds), "zenith:resize");
  }
  // 2-D, and a batch of 3-D.
  expect_cpu_matches_ref(*resize(attrs("linear", "align_corners"), {}, {9, 4}),
                         {{"X", random_tensor({5, 7}, 1)}}, {.rtol = 1e-5, .atol = 1e-5});
  expect_cpu_matches_ref(*resize(attrs("cubic", "half_pixel"), {1, 1, 3}),
                         {{"X", random_tensor({4, 2, 70001}, 1)}}, {.rtol = 1e-5, .atol = 1e-5});
  // Where oneDNN's mapping is ONNX's, it computes.
  EXPECT_NE(resize_kernel(*resize(attrs("linear", "half_pixel"), {1, 1, 2, 2}), feeds).find("jit"),
            std::string::npos);
}

}  // namespace
}  // namespace zenith
