// RoiAlign: average or max of bilinear samples over a regular grid in each output bin of each
// region of interest (ONNX Runtime's sampling rules, roi_align_grid.h), in double.
#include <algorithm>
#include <limits>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/roi_align_grid.h"

namespace zenith::ref {
namespace {

void roi_align(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& rois_t = ctx.input(1);
  const RoiAlignOptions o = roi_align_options(ctx.node());
  const int64_t num_rois = checked_roi_count(x.dtype(), x.dims(), rois_t, ctx.input(2));
  const int64_t channels = x.dim(1), height = x.dim(2), width = x.dim(3);
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), {num_rois, channels, o.out_h, o.out_w});
  const std::vector<double> xv = load_as<double>(x, "X");
  const std::vector<double> rois = load_as<double>(rois_t, "rois");
  std::vector<double> out(static_cast<size_t>(y.numel()));
  for (int64_t r = 0; r < num_rois; ++r) {
    const int64_t b = ctx.input(2).as_int64(r);
    const RoiGrid g = roi_grid(o, rois.data() + r * 4, r);
    for (int64_t ph = 0; ph < o.out_h; ++ph)
      for (int64_t pw = 0; pw < o.out_w; ++pw)
        for (int64_t c = 0; c < channels; ++c) {
          const double* plane = xv.data() + (b * channels + c) * height * width;
          double sum = 0, best = -std::numeric_limits<double>::infinity();
          for (int64_t iy = 0; iy < g.grid_h; ++iy) {
            const AxisTap ty = axis_tap(g.sample_y(ph, iy), height);
            for (int64_t ix = 0; ix < g.grid_w; ++ix) {
              const AxisTap tx = axis_tap(g.sample_x(pw, ix), width);
              const double taps[4] = {ty.w_low * tx.w_low * plane[ty.low * width + tx.low],
                                      ty.w_low * tx.w_high * plane[ty.low * width + tx.high],
                                      ty.w_high * tx.w_low * plane[ty.high * width + tx.low],
                                      ty.w_high * tx.w_high * plane[ty.high * width + tx.high]};
              for (const double v : taps) {
                sum += v;
                best = std::max(best, v);
              }
            }
          }
          const bool empty = g.grid_h * g.grid_w == 0;
          out[static_cast<size_t>(((r * channels + c) * o.out_h + ph) * o.out_w + pw)] =
              !o.max ? sum / g.count : (empty ? 0.0 : best);
        }
  }
  store_as(out.data(), y);
}

}  // namespace

void register_roi_align(KernelRegistry& registry) { registry.add("RoiAlign", &roi_align); }

}  // namespace zenith::ref
