// RoiAlign's sampling grid (ONNX Runtime's rules), shared by REF's kernel and the CPU device's
// loop so that both sample alike: the attributes checked once, each region's bins and sample
// counts, and the bilinear taps of one sample, separable into a row part and a column part.
#pragma once

#include <cstdint>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace zenith::ref {

struct RoiAlignOptions {
  bool max = false;     // mode "max", else "avg"
  double offset = 0.5;  // half_pixel shifts coordinates by half a pixel; output_half_pixel not
  int64_t out_h = 1, out_w = 1;
  int64_t sampling_ratio = 0;  // 0: ceil(bin size) samples per bin and axis
  double spatial_scale = 1.0;
};

// The node's attributes; InvalidModel for a mode, transform or size RoiAlign does not define.
RoiAlignOptions roi_align_options(const ir::Node& node);

// Checks X (`x_type`, `x_dims`: floating [N, C, H, W]), rois ([R, 4] of X's dtype) and
// batch_indices (integer [R], each in [0, N)); returns R. InvalidArgument naming the input
// otherwise.
int64_t checked_roi_count(ir::DType x_type, const ir::Dims& x_dims, const ir::Tensor& rois,
                          const ir::Tensor& batch);

// One region's grid in feature-map coordinates: output bin (ph, pw) averages or maxes the
// samples at y = start_h + ph * bin_h + (iy + 0.5) * bin_h / grid_h, iy < grid_h (x alike).
struct RoiGrid {
  double start_h = 0, start_w = 0, bin_h = 0, bin_w = 0;
  int64_t grid_h = 0, grid_w = 0;
  double count = 1;  // the divisor of avg: grid_h * grid_w, at least 1
  double sample_y(int64_t ph, int64_t iy) const {
    return start_h + static_cast<double>(ph) * bin_h +
           (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(grid_h);
  }
  double sample_x(int64_t pw, int64_t ix) const {
    return start_w + static_cast<double>(pw) * bin_w +
           (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(grid_w);
  }
};

// The grid of region `r`, whose box is roi[0..3] = x1, y1, x2, y2. InvalidArgument if a bin spans
// more than 1e6 pixels (a non-finite or enormous box would make the grid unbounded).
RoiGrid roi_grid(const RoiAlignOptions& o, const double roi[4], int64_t r);

// The two positions a sample at coordinate `at` reads along an axis of `size` (> 0) positions,
// and their weights. A sample outside [-1, size] on either axis reads nothing: that axis'
// weights are zero, and so are the products of the two axes' weights.
struct AxisTap {
  int64_t low = 0, high = 0;
  double w_low = 0, w_high = 0;
};
AxisTap axis_tap(double at, int64_t size);

}  // namespace zenith::ref
