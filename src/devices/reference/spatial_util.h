// Geometry shared by the convolution and pooling kernels (kernel, strides, dilations, pads,
// auto_pad, output sizes) and the direct convolution loop nest.
#pragma once

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

// The f32 accumulator of a Conv-style output [x.dim(0), m, out_size]: each channel starts at its
// bias (input 2 when present, checked to be [m] of x's dtype) or at 0.
std::vector<float> biased_accumulator(const KernelContext& ctx, const ir::Tensor& x, int64_t m,
                                      int64_t out_size);

// Checks Conv-style channel counts: w is [M, C/group, ...] with M divisible by group.
void check_conv_channels(const ir::Tensor& x, const ir::Tensor& w, int64_t group);

}  // namespace zenith::ref
