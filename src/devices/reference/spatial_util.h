// Geometry shared by the convolution and pooling kernels (kernel, strides, dilations, pads,
// auto_pad, output sizes) and the direct convolution loop nest.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "devices/reference/kernel_context.h"
#include "ir/tensor.h"

namespace zenith::ref {

// One window operation over the spatial dims of an [N, C, D1, ..., Dr] tensor.
struct SpatialGeometry {
  ir::Dims in;      // input spatial dims
  ir::Dims kernel;  // window extent (before dilation)
  ir::Dims strides;
  ir::Dims dilations;
  ir::Dims pad_begin;
  ir::Dims pad_end;
  ir::Dims out;  // output spatial dims, each >= 1

  size_t rank() const { return in.size(); }
  int64_t in_size() const;   // product of in
  int64_t out_size() const;  // product of out
};

// a / b rounded up and down, for any sign of a. REQUIRES: b > 0.
int64_t ceil_div(int64_t a, int64_t b);
int64_t floor_div(int64_t a, int64_t b);

// Validates that `x` is [N, C, D1, ..., Dr] with r >= 1; `what` names it in messages.
void check_spatial_input(const ir::Tensor& x, std::string_view what);

// The window: attribute kernel_shape when present; when `from_weights` is non-empty it must
// agree with it (Conv), and stands in for a missing attribute.
ir::Dims kernel_shape(const ir::Node& node, size_t rank, const ir::Dims& from_weights);

// Reads strides, dilations, pads and auto_pad, validates them and computes the output dims.
// `ceil_mode` (pools) rounds the output size up, dropping a last window that would start in the
// end padding, as PyTorch and ONNX Runtime do.
SpatialGeometry spatial_geometry(const ir::Node& node, const ir::Dims& in,
                                 const ir::Dims& kernel, bool ceil_mode = false);

// ConvTranspose's geometry for input spatial dims `in` and weight spatial dims `w_spatial`:
// output size and pads per axis by the ONNX rules (output_padding, output_shape, auto_pad).
// A requested output larger than the natural one grows at the end, as output_padding does.
SpatialGeometry transpose_geometry(const ir::Node& node, const ir::Dims& in,
                                   const ir::Dims& w_spatial);

// Direct convolution. x: [N, C, in...], w: [M, C/group, kernel...], y: [N, M, out...] already
// holding the bias (or zeros); adds the products to y. Acc is float or int64_t.
template <typename Acc>
void conv_accumulate(const Acc* x, const Acc* w, Acc* y, int64_t batch, int64_t channels,
                     int64_t out_channels, int64_t group, const SpatialGeometry& g);

// Visits the rows of a grouped N-d convolution of X [batch, channels, in...] with W
// [out_channels, channels / group, kernel...] into Y [batch, out_channels, out...]: for every
// image, output channel, input channel of its group, kernel position and output row whose
// input row lies inside X, fn(x, w, y, lo, hi) with the element indices of that row's X at
// output column 0 (it may precede the row: only columns [lo, hi) are inside), of the weight,
// and of Y's row. Output column c reads X at x + c * (the last stride). Forward and backward
// kernels share it, so they agree on the geometry.
template <typename Fn>
void for_each_conv_row(int64_t batch, int64_t channels, int64_t out_channels, int64_t group,
                       const SpatialGeometry& g, Fn&& fn) {
  const size_t r = g.rank();
  const size_t last = r - 1;
  const int64_t in_size = g.in_size();
  const int64_t out_size = g.out_size();
  int64_t k_size = 1;
  for (int64_t k : g.kernel) k_size *= k;
  const int64_t cg = channels / group;
  const int64_t mg = out_channels / group;
  const ir::Dims in_strides = ir::strides_of(g.in);
  const int64_t out_w = g.out[last];
  const int64_t in_w = g.in[last];
  const int64_t s_w = g.strides[last];
  const int64_t rows = out_size / out_w;
  const auto up = [](int64_t a, int64_t b) { return (a + b - 1) / b; };

  // Per kernel position: the input offset along each axis (k * dilation - pad_begin) and the
  // range of output columns whose input column falls inside the row.
  std::vector<int64_t> k_offset(static_cast<size_t>(k_size) * r);
  std::vector<int64_t> col_lo(static_cast<size_t>(k_size)), col_hi(static_cast<size_t>(k_size));
  for (int64_t kp = 0; kp < k_size; ++kp) {
    int64_t rest = kp;
    for (size_t i = r; i-- > 0;) {
      const int64_t k = rest % g.kernel[i];
      rest /= g.kernel[i];
      k_offset[static_cast<size_t>(kp) * r + i] = k * g.dilations[i] - g.pad_begin[i];
    }
    const int64_t off = k_offset[static_cast<size_t>(kp) * r + last];
    col_lo[static_cast<size_t>(kp)] = off >= 0 ? 0 : std::min(out_w, up(-off, s_w));
    col_hi[static_cast<size_t>(kp)] = in_w - off <= 0 ? 0 : std::min(out_w, up(in_w - off, s_w));
  }

  std::vector<int64_t> row_coord(r, 0);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < out_channels; ++m) {
      const int64_t y_plane = (n * out_channels + m) * out_size;
      const int64_t first_c = (m / mg) * cg;
      for (int64_t c = 0; c < cg; ++c) {
        const int64_t x_plane = (n * channels + first_c + c) * in_size;
        const int64_t w_k = (m * cg + c) * k_size;
        for (int64_t kp = 0; kp < k_size; ++kp) {
          const int64_t* off = &k_offset[static_cast<size_t>(kp) * r];
          const int64_t lo = col_lo[static_cast<size_t>(kp)];
          const int64_t hi = col_hi[static_cast<size_t>(kp)];
          if (lo >= hi) continue;
          std::fill(row_coord.begin(), row_coord.end(), 0);
          for (int64_t row = 0; row < rows; ++row) {
            // Input row start; skip rows whose input coordinate falls in the padding.
            int64_t in_offset = off[last];
            bool inside = true;
            for (size_t i = 0; i < last; ++i) {
              const int64_t coord = row_coord[i] * g.strides[i] + off[i];
              if (coord < 0 || coord >= g.in[i]) {
                inside = false;
                break;
              }
              in_offset += coord * in_strides[i];
            }
            if (inside) fn(x_plane + in_offset, w_k + kp, y_plane + row * out_w, lo, hi);
            for (size_t i = last; i-- > 0;) {
              if (++row_coord[i] < g.out[i]) break;
              row_coord[i] = 0;
            }
          }
        }
      }
    }
  }
}

// The f32 accumulator of a Conv-style output [x.dim(0), m, out_size]: each channel starts at its
// bias (input 2 when present, checked to be [m] of x's dtype) or at 0.
std::vector<float> biased_accumulator(const KernelContext& ctx, const ir::Tensor& x, int64_t m,
                                      int64_t out_size);

// Checks Conv-style channel counts: w is [M, C/group, ...] with M divisible by group.
void check_conv_channels(const ir::Tensor& x, const ir::Tensor& w, int64_t group);

}  // namespace zenith::ref
