// Resize's per-axis taps (resize_taps.h).
#include "devices/reference/resize_taps.h"

#include <algorithm>
#include <cmath>

#include "ir/errors.h"

namespace zenith::ref {
namespace {

// Maps output coordinate x to the input axis. `scale` is the axis' scale factor; the reference
// computes "output length" as scale * in_len (not the integer output size), and so do we.
double source_coordinate(const ResizeOptions& o, double x, double scale, int64_t in_len,
                         double roi_start, double roi_end) {
  const double out_len = scale * static_cast<double>(in_len);
  const double last = static_cast<double>(in_len - 1);
  const std::string& t = o.transform;
  if (t == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (t == "pytorch_half_pixel") return out_len == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (t == "align_corners") return out_len == 1 ? 0.0 : x * last / (out_len - 1);
  if (t == "asymmetric") return x / scale;
  if (t == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (t == "tf_crop_and_resize") {
    const double offset = roi_start * last;
    if (out_len == 1) return offset + (roi_end - roi_start) * last / 2;
    return offset + x * (roi_end - roi_start) * last / (out_len - 1);
  }
  throw_invalid_model(
      "attribute 'coordinate_transformation_mode' is '{}', which Resize does not "
      "define",
      t);
}

std::vector<double> coefficients(const ResizeOptions& o, double ratio) {
  if (o.mode == "linear") return {1 - ratio, ratio};
  const double a = o.cubic_a;
  auto near = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };       // |d| <= 1
  auto far = [a](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 < |d| < 2
  return {far(ratio + 1), near(ratio), near(1 - ratio), far(2 - ratio)};
}

int64_t nearest_index(const ResizeOptions& o, double x, int64_t floor_x) {
  const double ratio = x - static_cast<double>(floor_x);
  if (ratio == 0) return floor_x;
  const std::string& m = o.nearest_mode;
  if (m == "round_prefer_floor") return ratio <= 0.5 ? floor_x : floor_x + 1;
  if (m == "round_prefer_ceil") return ratio < 0.5 ? floor_x : floor_x + 1;
  if (m == "floor") return floor_x;
  if (m == "ceil") return floor_x + 1;
  throw_invalid_model(
      "attribute 'nearest_mode' is '{}', expected round_prefer_floor, "
      "round_prefer_ceil, floor or ceil",
      m);
}

AxisTaps axis_taps(const ResizeOptions& o, int64_t in_len, int64_t out_len, double scale,
                   double roi_start, double roi_end) {
  AxisTaps taps(static_cast<size_t>(out_len));
  auto clamp = [in_len](int64_t i) { return std::min(std::max<int64_t>(i, 0), in_len - 1); };
  for (int64_t x = 0; x < out_len; ++x) {
    const double src =
        source_coordinate(o, static_cast<double>(x), scale, in_len, roi_start, roi_end);
    if (o.transform == "tf_crop_and_resize" && (src < 0 || src > static_cast<double>(in_len - 1)))
      continue;
    // Far-out coordinates (from absurd scales) only ever read edge elements.
    const double bounded = std::clamp(src, -4.0, static_cast<double>(in_len) + 4.0);
    const auto floor_x = static_cast<int64_t>(std::floor(bounded));
    std::vector<Tap>& out = taps[static_cast<size_t>(x)];
    if (o.mode == "nearest") {
      out.push_back({clamp(nearest_index(o, bounded, floor_x)), 1.0});
      continue;
    }
    const std::vector<double> c = coefficients(o, bounded - static_cast<double>(floor_x));
    // Linear reads floor_x and floor_x + 1; cubic floor_x - 1 .. floor_x + 2.
    const int64_t first = o.mode == "linear" ? floor_x : floor_x - 1;
    double total = 0;
    for (size_t j = 0; j < c.size(); ++j) {
      const int64_t i = first + static_cast<int64_t>(j);
      const bool outside = i < 0 || i >= in_len;
      const double w = o.exclude_outside && outside ? 0.0 : c[j];
      total += w;
      if (w != 0) out.push_back({clamp(i), w});
    }
    if (o.exclude_outside && total != 0)
      for (Tap& tap : out) tap.weight /= total;
  }
  return taps;
}

}  // namespace

ResizeOptions resize_options(const ir::Node& node) {
  ResizeOptions o{node.attr<std::string>("mode", "nearest"),
                  node.attr<std::string>("coordinate_transformation_mode", "half_pixel"),
                  node.attr<std::string>("nearest_mode", "round_prefer_floor"),
                  node.attr<float>("cubic_coeff_a", -0.75f),
                  node.attr<int64_t>("exclude_outside", 0) != 0};
  if (o.mode != "nearest" && o.mode != "linear" && o.mode != "cubic")
    throw_invalid_model("attribute 'mode' is '{}', expected nearest, linear or cubic", o.mode);
  return o;
}

std::vector<AxisTaps> resize_taps(const ResizeOptions& o, const ir::Dims& in,
                                  const ResizeShape& shape, const ir::Tensor* roi_input) {
  const size_t rank = in.size();
  std::vector<double> roi(2 * rank, 0.0);
  for (size_t i = 0; i < rank; ++i) roi[rank + i] = 1.0;
  if (o.transform == "tf_crop_and_resize") {
    if (!roi_input || roi_input->numel() != static_cast<int64_t>(2 * rank))
      throw_invalid_argument("tf_crop_and_resize needs input 'roi' with {} values (starts, ends)",
                             2 * rank);
    for (size_t i = 0; i < 2 * rank; ++i) roi[i] = roi_input->as_double(static_cast<int64_t>(i));
  }
  std::vector<AxisTaps> taps;
  for (size_t a = 0; a < rank; ++a)
    taps.push_back(axis_taps(o, in[a], shape.out[a], shape.scales[a], roi[a], roi[rank + a]));
  return taps;
}

}  // namespace zenith::ref
