// QuantizeLinear, DequantizeLinear (per tensor or per axis) and DynamicQuantizeLinear.
#include <algorithm>
#include <cmath>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/quant_util.h"

namespace zenith::ref {
namespace {

// The [outer, extent, inner] split around `axis` when the scale is per axis, else one group.
AxisSplit quant_split(const KernelContext& ctx, const ir::Tensor& x, const ir::Tensor& scale) {
  if (scale.numel() == 1 && scale.rank() <= 1) return {1, 1, x.numel()};
  const int64_t axis = ir::normalize_axis(ctx.attr<int64_t>("axis", 1), x.rank(), "axis");
  return split_at_axis(x.dims(), axis);
}

void quantize_linear(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  if (!ir::is_floating(x.dtype()) && x.dtype() != ir::DType::I32)
    throw_invalid_argument("x has dtype {}, expected a floating type or i32",
                           ir::dtype_name(x.dtype()));
  const ir::Tensor& scale_t = ctx.input(1);
  const AxisSplit split = quant_split(ctx, x, scale_t);
  const ir::DType out_type = ctx.has_input(2) ? ctx.input(2).dtype() : ir::DType::U8;
  if (ctx.has_input(2)) require_quantized(ctx.input(2), "y_zero_point");
  const std::vector<float> scale = quant_param<float>(scale_t, split.extent, "y_scale");
  const std::vector<int32_t> zp = zero_point(ctx, 2, out_type, split.extent, "y_zero_point");
  const std::vector<float> xv = load_as<float>(x, "x");
  std::vector<int32_t> q(xv.size());
  for (size_t i = 0; i < q.size(); ++i) {
    const int64_t c = static_cast<int64_t>(i) / split.inner % split.extent;
    q[i] = quantize_value(xv[i] / param_at(scale, c), param_at(zp, c), out_type);
  }
  store_as(q.data(), ctx.allocate_output(0, out_type, x.dims()));
}

void dequantize_linear(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  if (x.dtype() != ir::DType::I32) require_quantized(x, "x");
  const ir::Tensor& scale_t = ctx.input(1);
  require_floating(scale_t, "x_scale");
  const AxisSplit split = quant_split(ctx, x, scale_t);
  const std::vector<float> scale = quant_param<float>(scale_t, split.extent, "x_scale");
  const std::vector<int32_t> zp = zero_point(ctx, 2, x.dtype(), split.extent, "x_zero_point");
  const std::vector<int64_t> xv = load_as<int64_t>(x, "x");
  std::vector<float> y(xv.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const int64_t c = static_cast<int64_t>(i) / split.inner % split.extent;
    y[i] = static_cast<float>(xv[i] - param_at(zp, c)) * param_at(scale, c);
  }
  store_as(y.data(), ctx.allocate_output(0, scale_t.dtype(), x.dims()));
}

// Chooses the u8 scale and zero point that map [min(x, 0), max(x, 0)] onto [0, 255].
void dynamic_quantize_linear(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  if (x.dtype() != ir::DType::F32)
    throw_invalid_argument("x has dtype {}, expected f32", ir::dtype_name(x.dtype()));
  const std::vector<float> xv = load_as<float>(x, "x");
  float lo = 0, hi = 0;
  for (float v : xv) {
    if (std::isnan(v)) throw_invalid_argument("x contains NaN, which has no quantized range");
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const float scale = (hi - lo) / 255.0f;
  const int32_t zp = scale == 0 ? 0 : quantize_value((0 - lo) / scale, 0, ir::DType::U8);
  std::vector<int32_t> q(xv.size(), 0);
  if (scale != 0)
    for (size_t i = 0; i < q.size(); ++i) q[i] = quantize_value(xv[i] / scale, zp, ir::DType::U8);
  store_as(q.data(), ctx.allocate_output(0, ir::DType::U8, x.dims()));
  if (ctx.has_output(1)) *ctx.allocate_output(1, ir::DType::F32, {}).data<float>() = scale;
  if (ctx.has_output(2)) *ctx.allocate_output(2, ir::DType::U8, {}).data<uint8_t>() = zp;
}

}  // namespace

void register_quantize_linear(KernelRegistry& registry) {
  registry.add("QuantizeLinear", &quantize_linear);
  registry.add("DequantizeLinear", &dequantize_linear);
  registry.add("DynamicQuantizeLinear", &dynamic_quantize_linear);
}

}  // namespace zenith::ref
