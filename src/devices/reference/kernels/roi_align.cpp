// RoiAlign: average or max of bilinear samples over a regular grid in each output bin of each
// region of interest (ONNX Runtime's sampling rules).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

struct Sample {
  int64_t offsets[4] = {0, 0, 0, 0};
  double weights[4] = {0, 0, 0, 0};  // all zero outside the feature map
};

Sample bilinear_sample(double y, double x, int64_t height, int64_t width) {
  Sample s;
  if (y < -1.0 || y > static_cast<double>(height) || x < -1.0 || x > static_cast<double>(width))
    return s;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  int64_t y_low = static_cast<int64_t>(y), x_low = static_cast<int64_t>(x), y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = static_cast<double>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = static_cast<double>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const double ly = y - static_cast<double>(y_low), lx = x - static_cast<double>(x_low);
  const double hy = 1 - ly, hx = 1 - lx;
  s.offsets[0] = y_low * width + x_low;
  s.offsets[1] = y_low * width + x_high;
  s.offsets[2] = y_high * width + x_low;
  s.offsets[3] = y_high * width + x_high;
  s.weights[0] = hy * hx;
  s.weights[1] = hy * lx;
  s.weights[2] = ly * hx;
  s.weights[3] = ly * lx;
  return s;
}

void roi_align(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& rois_t = ctx.input(1);
  const ir::Tensor& batch_t = ctx.input(2);
  require_floating(x, "X");
  require_same_dtype(rois_t, "rois", x, "X");
  if (x.rank() != 4)
    throw_invalid_argument("X has shape {}, expected [N, C, H, W]", ir::to_string(x.dims()));
  const int64_t num_rois = rois_t.rank() == 2 ? rois_t.dim(0) : -1;
  if (rois_t.rank() != 2 || rois_t.dim(1) != 4 || batch_t.rank() != 1 ||
      batch_t.dim(0) != num_rois || !ir::is_integer(batch_t.dtype()))
    throw_invalid_argument("rois {} and batch_indices {} must be [R, 4] and integer [R]",
                           ir::to_string(rois_t.dims()), ir::to_string(batch_t.dims()));
  const std::string mode = ctx.attr<std::string>("mode", "avg");
  const std::string transform =
      ctx.attr<std::string>("coordinate_transformation_mode", "half_pixel");
  if ((mode != "avg" && mode != "max") ||
      (transform != "half_pixel" && transform != "output_half_pixel"))
    throw_invalid_model(
        "mode '{}' / coordinate_transformation_mode '{}' are not supported "
        "(expected avg|max and half_pixel|output_half_pixel)",
        mode, transform);
  const int64_t out_h = ctx.attr<int64_t>("output_height", 1);
  const int64_t out_w = ctx.attr<int64_t>("output_width", 1);
  const int64_t sampling_ratio = ctx.attr<int64_t>("sampling_ratio", 0);
  const double spatial_scale = ctx.attr<float>("spatial_scale", 1.0f);
  if (out_h < 1 || out_w < 1 || sampling_ratio < 0)
    throw_invalid_model(
        "output_height {}, output_width {} must be >= 1 and sampling_ratio {} "
        ">= 0",
        out_h, out_w, sampling_ratio);
  const int64_t channels = x.dim(1), height = x.dim(2), width = x.dim(3);
  if ((height == 0 || width == 0) && num_rois > 0)
    throw_invalid_argument("X has shape {}: no pixels to sample", ir::to_string(x.dims()));
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), {num_rois, channels, out_h, out_w});
  const std::vector<double> xv = load_as<double>(x, "X");
  const std::vector<double> rois = load_as<double>(rois_t, "rois");
  std::vector<double> out(static_cast<size_t>(y.numel()));
  const double offset = transform == "half_pixel" ? 0.5 : 0.0;
  for (int64_t r = 0; r < num_rois; ++r) {
    const int64_t b = batch_t.as_int64(r);
    if (b < 0 || b >= x.dim(0))
      throw_invalid_argument("batch_indices[{}] = {} is outside [0, {})", r, b, x.dim(0));
    const double* roi = rois.data() + r * 4;
    const double start_w = roi[0] * spatial_scale - offset,
                 start_h = roi[1] * spatial_scale - offset;
    double roi_w = roi[2] * spatial_scale - offset - start_w;
    double roi_h = roi[3] * spatial_scale - offset - start_h;
    if (offset == 0) {  // output_half_pixel keeps the legacy minimum roi size of one pixel
      roi_w = std::max(roi_w, 1.0);
      roi_h = std::max(roi_h, 1.0);
    }
    const double bin_h = roi_h / static_cast<double>(out_h),
                 bin_w = roi_w / static_cast<double>(out_w);
    // A non-finite or enormous roi would make the sampling grid unbounded.
    if (!(std::fabs(bin_h) <= 1e6 && std::fabs(bin_w) <= 1e6))
      throw_invalid_argument("roi {} spans {} x {} pixels per bin, expected at most 1e6", r, bin_h,
                             bin_w);
    const int64_t grid_h =
        sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(std::ceil(bin_h));
    const int64_t grid_w =
        sampling_ratio > 0 ? sampling_ratio : static_cast<int64_t>(std::ceil(bin_w));
    const double count = static_cast<double>(std::max<int64_t>(grid_h * grid_w, 1));
    for (int64_t ph = 0; ph < out_h; ++ph)
      for (int64_t pw = 0; pw < out_w; ++pw) {
        std::vector<Sample> samples;
        for (int64_t iy = 0; iy < grid_h; ++iy)
          for (int64_t ix = 0; ix < grid_w; ++ix)
            samples.push_back(bilinear_sample(
                start_h + ph * bin_h + (iy + 0.5) * bin_h / static_cast<double>(grid_h),
                start_w + pw * bin_w + (ix + 0.5) * bin_w / static_cast<double>(grid_w), height,
                width));
        for (int64_t c = 0; c < channels; ++c) {
          const double* plane = xv.data() + (b * channels + c) * height * width;
          double sum = 0, best = -std::numeric_limits<double>::infinity();
          for (const Sample& s : samples) {
            double sample_max = -std::numeric_limits<double>::infinity();
            for (int k = 0; k < 4; ++k) {
              const double v = s.weights[k] * plane[s.offsets[k]];
              sum += v;
              sample_max = std::max(sample_max, v);
            }
            best = std::max(best, sample_max);
          }
          out[static_cast<size_t>(((r * channels + c) * out_h + ph) * out_w + pw)] =
              mode == "avg" ? sum / count : (samples.empty() ? 0.0 : best);
        }
      }
  }
  store_as(out.data(), y);
}

}  // namespace

void register_roi_align(KernelRegistry& registry) { registry.add("RoiAlign", &roi_align); }

}  // namespace zenith::ref
