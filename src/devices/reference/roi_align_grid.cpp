#include "devices/reference/roi_align_grid.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ir/errors.h"

namespace zenith::ref {

RoiAlignOptions roi_align_options(const ir::Node& node) {
  const std::string mode = node.attr<std::string>("mode", "avg");
  const std::string transform =
      node.attr<std::string>("coordinate_transformation_mode", "half_pixel");
  if ((mode != "avg" && mode != "max") ||
      (transform != "half_pixel" && transform != "output_half_pixel"))
    throw_invalid_model(
        "mode '{}' / coordinate_transformation_mode '{}' are not supported "
        "(expected avg|max and half_pixel|output_half_pixel)",
        mode, transform);
  RoiAlignOptions o;
  o.max = mode == "max";
  o.offset = transform == "half_pixel" ? 0.5 : 0.0;
  o.out_h = node.attr<int64_t>("output_height", 1);
  o.out_w = node.attr<int64_t>("output_width", 1);
  o.sampling_ratio = node.attr<int64_t>("sampling_ratio", 0);
  o.spatial_scale = node.attr<float>("spatial_scale", 1.0f);
  if (o.out_h < 1 || o.out_w < 1 || o.sampling_ratio < 0)
    throw_invalid_model("output_height {}, output_width {} must be >= 1 and sampling_ratio {} >= 0",
                        o.out_h, o.out_w, o.sampling_ratio);
  return o;
}

int64_t checked_roi_count(ir::DType x_type, const ir::Dims& x_dims, const ir::Tensor& rois,
                          const ir::Tensor& batch) {
  if (!ir::is_floating(x_type))
    throw_invalid_argument("X has dtype {}, expected a floating type", ir::dtype_name(x_type));
  if (rois.dtype() != x_type)
    throw_invalid_argument("rois has dtype {}, expected {} like X", ir::dtype_name(rois.dtype()),
                           ir::dtype_name(x_type));
  if (x_dims.size() != 4)
    throw_invalid_argument("X has shape {}, expected [N, C, H, W]", ir::to_string(x_dims));
  const int64_t count = rois.rank() == 2 ? rois.dim(0) : -1;
  if (rois.rank() != 2 || rois.dim(1) != 4 || batch.rank() != 1 || batch.dim(0) != count ||
      !ir::is_integer(batch.dtype()))
    throw_invalid_argument("rois {} and batch_indices {} must be [R, 4] and integer [R]",
                           ir::to_string(rois.dims()), ir::to_string(batch.dims()));
  if ((x_dims[2] == 0 || x_dims[3] == 0) && count > 0)
    throw_invalid_argument("X has shape {}: no pixels to sample", ir::to_string(x_dims));
  for (int64_t r = 0; r < count; ++r)
    if (const int64_t b = batch.as_int64(r); b < 0 || b >= x_dims[0])
      throw_invalid_argument("batch_indices[{}] = {} is outside [0, {})", r, b, x_dims[0]);
  return count;
}

RoiGrid roi_grid(const RoiAlignOptions& o, const double roi[4], int64_t r) {
  RoiGrid g;
  g.start_w = roi[0] * o.spatial_scale - o.offset;
  g.start_h = roi[1] * o.spatial_scale - o.offset;
  double roi_w = roi[2] * o.spatial_scale - o.offset - g.start_w;
  double roi_h = roi[3] * o.spatial_scale - o.offset - g.start_h;
  if (o.offset == 0) {  // output_half_pixel keeps the legacy minimum roi size of one pixel
    roi_w = std::max(roi_w, 1.0);
    roi_h = std::max(roi_h, 1.0);
  }
  g.bin_h = roi_h / static_cast<double>(o.out_h);
  g.bin_w = roi_w / static_cast<double>(o.out_w);
  if (!(std::fabs(g.bin_h) <= 1e6 && std::fabs(g.bin_w) <= 1e6))
    throw_invalid_argument("roi {} spans {} x {} pixels per bin, expected at most 1e6", r, g.bin_h,
                           g.bin_w);
  // A box with x2 < x1 (y2 < y1) has no samples; its bins are 0.
  g.grid_h = o.sampling_ratio > 0 ? o.sampling_ratio
                                  : std::max<int64_t>(static_cast<int64_t>(std::ceil(g.bin_h)), 0);
  g.grid_w = o.sampling_ratio > 0 ? o.sampling_ratio
                                  : std::max<int64_t>(static_cast<int64_t>(std::ceil(g.bin_w)), 0);
  g.count = static_cast<double>(std::max<int64_t>(g.grid_h * g.grid_w, 1));
  return g;
}

AxisTap axis_tap(double at, int64_t size) {
  AxisTap t;
  if (at < -1.0 || at > static_cast<double>(size)) return t;
  at = std::max(at, 0.0);
  t.low = static_cast<int64_t>(at);
  if (t.low >= size - 1) {
    t.high = t.low = size - 1;
    at = static_cast<double>(t.low);
  } else {
    t.high = t.low + 1;
  }
  t.w_high = at - static_cast<double>(t.low);
  t.w_low = 1 - t.w_high;
  return t;
}

}  // namespace zenith::ref
