// Helpers shared by the REF quantized kernels: scales and zero points (per tensor or per axis)
// and saturating round-half-to-even quantization to u8 / i8.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "devices/reference/kernel_context.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {

// Throws InvalidArgument unless `t` is u8 or i8.
inline void require_quantized(const ir::Tensor& t, std::string_view what) {
  if (t.dtype() != ir::DType::U8 && t.dtype() != ir::DType::I8)
    throw_invalid_argument("{} has dtype {}, expected u8 or i8", what, ir::dtype_name(t.dtype()));
}

// A scale or zero point: one value (scalar or [1]) or, when `extent` > 0, one per index along an
// axis of that extent. Returns 1 or `extent` values.
template <typename V>
std::vector<V> quant_param(const ir::Tensor& t, int64_t extent, std::string_view what) {
  const bool per_tensor = t.numel() == 1 && t.rank() <= 1;
  const bool per_axis = extent > 0 && t.rank() == 1 && t.dim(0) == extent;
  if (!per_tensor && !per_axis)
    throw_invalid_argument("{} has shape {}, expected a scalar{}", what, ir::to_string(t.dims()),
                           extent > 0 ? fmt::format(" or [{}]", extent) : std::string());
  return load_as<V>(t, what);
}

// The optional zero point input i (zeros when absent); when present it must have `dtype`.
inline std::vector<int32_t> zero_point(const KernelContext& ctx, size_t i, ir::DType dtype,
                                       int64_t extent, std::string_view what) {
  if (!ctx.has_input(i)) return {0};
  const ir::Tensor& t = ctx.input(i);
  if (t.dtype() != dtype)
    throw_invalid_argument("{} has dtype {}, expected {}", what, ir::dtype_name(t.dtype()),
                           ir::dtype_name(dtype));
  return quant_param<int32_t>(t, extent, what);
}

template <typename V>
V param_at(const std::vector<V>& values, int64_t i) {
  return values.size() == 1 ? values[0] : values[static_cast<size_t>(i)];
}

// round-half-to-even(value) + zero_point, saturated to the range of `dtype` (u8 or i8).
inline int32_t quantize_value(float value, int32_t zero_point, ir::DType dtype) {
  const float lo = dtype == ir::DType::U8 ? 0.0f : -128.0f;
  const float hi = dtype == ir::DType::U8 ? 255.0f : 127.0f;
  const float q = std::nearbyint(value) + static_cast<float>(zero_point);
  if (std::isnan(q)) return 0;
  return static_cast<int32_t>(std::clamp(q, lo, hi));
}

}  // namespace zenith::ref
