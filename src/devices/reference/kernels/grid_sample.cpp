// GridSample: samples a [N, C, H, W] input at the normalized [-1, 1] locations of a grid with
// nearest, bilinear or bicubic interpolation and zeros / border / reflection padding.
#include <algorithm>
#include <cmath>
#include <string>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

enum class Padding { Zeros, Border, Reflection };

// Reflects x into [lo, hi] (repeatedly, like a mirror at each end).
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0 || !std::isfinite(x)) return lo;
  if (x < lo) {
    const double d = lo - x;
    const double n = std::floor(d / range), r = d - n * range;
    return std::fmod(n, 2.0) == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const double d = x - hi;
    const double n = std::floor(d / range), r = d - n * range;
    return std::fmod(n, 2.0) == 0 ? hi - r : lo + r;
  }
  return x;
}

struct Plane {
  const double* data;
  int64_t height, width;
  Padding padding;
  double x_min, x_max, y_min, y_max;  // the reflection bounds

  double at(int64_t row, int64_t col) const {
    if (padding == Padding::Zeros) {
      if (row < 0 || row >= height || col < 0 || col >= width) return 0;
    } else if (padding == Padding::Reflection) {
      col = static_cast<int64_t>(reflect(static_cast<double>(col), x_min, x_max));
      row = static_cast<int64_t>(reflect(static_cast<double>(row), y_min, y_max));
    }
    // Border (and reflection's rounding at the edges) clamp to the nearest pixel.
    row = std::clamp<int64_t>(row, 0, height - 1);
    col = std::clamp<int64_t>(col, 0, width - 1);
    return data[row * width + col];
  }
};

// Cubic convolution weights (A = -0.75) for the 4 taps around a point at fraction t.
void cubic_weights(double t, double w[4]) {
  constexpr double A = -0.75;
  auto near = [](double d) { return ((A + 2) * d - (A + 3)) * d * d + 1; };
  auto far = [](double d) { return ((A * d - 5 * A) * d + 8 * A) * d - 4 * A; };
  w[0] = far(t + 1);
  w[1] = near(t);
  w[2] = near(1 - t);
  w[3] = far(2 - t);
}

void grid_sample(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& grid = ctx.input(1);
  require_floating(x, "X");
  require_floating(grid, "grid");
  if (x.rank() != 4 || grid.rank() != 4 || grid.dim(0) != x.dim(0) || grid.dim(3) != 2)
    throw_invalid_argument("X {} and grid {} must be [N, C, H, W] and [N, H_out, W_out, 2]",
                           ir::to_string(x.dims()), ir::to_string(grid.dims()));
  const std::string mode = ctx.attr<std::string>("mode", "bilinear");
  const std::string padding_name = ctx.attr<std::string>("padding_mode", "zeros");
  const bool align = ctx.attr<int64_t>("align_corners", 0) != 0;
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic")
    throw_invalid_model("mode '{}', expected bilinear, nearest or bicubic", mode);
  if (padding_name != "zeros" && padding_name != "border" && padding_name != "reflection")
    throw_invalid_model("padding_mode '{}', expected zeros, border or reflection", padding_name);
  const Padding padding = padding_name == "zeros"    ? Padding::Zeros
                          : padding_name == "border" ? Padding::Border
                                                     : Padding::Reflection;
  const int64_t batch = x.dim(0), channels = x.dim(1), height = x.dim(2), width = x.dim(3);
  const int64_t out_h = grid.dim(1), out_w = grid.dim(2);
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), {batch, channels, out_h, out_w});
  if (y.numel() > 0 && (height == 0 || width == 0))
    throw_invalid_argument("X has shape {}: no pixels to sample", ir::to_string(x.dims()));
  const std::vector<double> xv = load_as<double>(x, "X");
  const std::vector<double> gv = load_as<double>(grid, "grid");
  std::vector<double> out(static_cast<size_t>(y.numel()));
  const double W = static_cast<double>(width), H = static_cast<double>(height);
  // Pixel centers at -1 / 1 (align_corners) or pixel edges at -1 / 1.
  const double x_min = align ? 0 : -0.5, x_max = align ? W - 1 : W - 0.5;
  const double y_min = align ? 0 : -0.5, y_max = align ? H - 1 : H - 0.5;
  auto unnormalize = [&](double v, double size) {
    return align ? (v + 1) / 2 * (size - 1) : ((v + 1) * size - 1) / 2;
  };
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t i = 0; i < out_h * out_w; ++i) {
      const double* g = gv.data() + (n * out_h * out_w + i) * 2;
      double gx = unnormalize(g[0], W), gy = unnormalize(g[1], H);
      if (mode == "nearest") {
        gx = std::nearbyint(gx);
        gy = std::nearbyint(gy);
      }
      if (gx < x_min || gx > x_max || gy < y_min || gy > y_max) {
        if (padding == Padding::Border) {
          gx = std::clamp(gx, 0.0, W - 1);
          gy = std::clamp(gy, 0.0, H - 1);
        } else if (padding == Padding::Reflection) {
          gx = reflect(gx, x_min, x_max);
          gy = reflect(gy, y_min, y_max);
        }
      }
      if (std::isnan(gx) || std::isnan(gy))
        throw_invalid_argument("grid point ({}, {}) is NaN", g[0], g[1]);
      if (padding == Padding::Zeros) {
        // Far outside, every tap (even bicubic's +-2) reads padding: keep casts in range.
        gx = std::clamp(gx, x_min - 4, x_max + 4);
        gy = std::clamp(gy, y_min - 4, y_max + 4);
      }
      for (int64_t c = 0; c < channels; ++c) {
        const Plane p{xv.data() + (n * channels + c) * height * width,
                      height,
                      width,
                      padding,
                      x_min,
                      x_max,
                      y_min,
                      y_max};
        double v = 0;
        if (mode == "nearest") {
          v = p.at(static_cast<int64_t>(gy), static_cast<int64_t>(gx));
        } else if (mode == "bilinear") {
          const double x0 = std::floor(gx), y0 = std::floor(gy);
          const double dx = gx - x0, dy = gy - y0;
          const int64_t c0 = static_cast<int64_t>(x0), r0 = static_cast<int64_t>(y0);
          v = (1 - dy) * ((1 - dx) * p.at(r0, c0) + dx * p.at(r0, c0 + 1)) +
              dy * ((1 - dx) * p.at(r0 + 1, c0) + dx * p.at(r0 + 1, c0 + 1));
        } else {
          const double x0 = std::floor(gx) - 1, y0 = std::floor(gy) - 1;
          double wx[4], wy[4];
          cubic_weights(gx - x0 - 1, wx);
          cubic_weights(gy - y0 - 1, wy);
          for (int r = 0; r < 4; ++r)
            for (int k = 0; k < 4; ++k)
              v += wy[r] * wx[k] * p.at(static_cast<int64_t>(y0) + r, static_cast<int64_t>(x0) + k);
        }
        out[static_cast<size_t>((n * channels + c) * out_h * out_w + i)] = v;
      }
    }
  store_as(out.data(), y);
}

}  // namespace

void register_grid_sample(KernelRegistry& registry) { registry.add("GridSample", &grid_sample); }

}  // namespace zenith::ref
