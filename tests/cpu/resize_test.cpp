// Resize on the CPU device (oneDNN resampling) against REF, for the attribute and dims
// combinations where oneDNN's coordinate mapping is ONNX's; the others must run on REF.
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

TEST(CpuResize, MappingsOneDnnLacksRunOnRef) {
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({1, 3, 5, 7}, 1)}};
  // By attributes, with the reason `zenith info` shows.
  const auto corners = resize(attrs("linear", "align_corners"), {1, 1, 2, 2});
  expect_cpu_matches_ref(*corners, feeds, {.on_cpu = false});
  EXPECT_EQ(hetero::HeteroPlan(*corners, {"CPU", "REF"}).assignments()[0].reason,
            "linear with coordinate_transformation_mode 'align_corners': oneDNN maps coordinates "
            "half_pixel");
  EXPECT_EQ(hetero::HeteroPlan(*resize(attrs("cubic", "half_pixel"), {1, 1, 2, 2}), {"CPU", "REF"})
                .assignments()[0]
                .reason,
            "mode 'cubic': oneDNN resamples nearest or linear");
  // By dims, per run: floor of a downsampled coordinate, a scale that is not out / in, and a
  // resized channel axis.
  for (const auto& g : {resize(attrs("nearest", "asymmetric", "floor"), {1, 1, 0.5f, 1}),
                        resize(attrs("linear", "half_pixel"), {1, 1, 1.5f, 1}),
                        resize(attrs("nearest", "half_pixel"), {1, 1, 0.4f, 1}),
                        resize(attrs("linear", "half_pixel"), {1, 2, 1, 1})}) {
    const hetero::HeteroPlan plan(*g, {"CPU", "REF"});
    EXPECT_EQ(plan.assignments()[0].device, "CPU");
    testing::expect_outputs_near(plan.run(feeds, 0), ref::Interpreter().run(*g, feeds), 1e-5, 1e-6);
    EXPECT_EQ(plan.ref_fallbacks(), 1u);
  }
}

}  // namespace
}  // namespace zenith
