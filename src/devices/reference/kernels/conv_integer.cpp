// ConvInteger and QLinearConv: convolution of u8/i8 tensors with zero points, accumulated exactly.
#include <algorithm>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/quant_util.h"
#include "devices/reference/spatial_util.h"

namespace zenith::ref {
namespace {

// Shared part: validates x (input 0) and w (input w_index) and their zero points, and
// returns the accumulators [N, M, out...] with `bias` (one per output channel) added.
struct IntegerConv {
  ir::Dims out_dims;
  std::vector<int64_t> acc;  // int64 so that no kernel size can overflow it
};

IntegerConv integer_conv(KernelContext& ctx, size_t w_index, size_t x_zp_index, size_t w_zp_index,
                         const std::vector<int32_t>& bias) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& w = ctx.input(w_index);
  require_quantized(x, "x");
  require_quantized(w, "w");
  check_spatial_input(x, "x");
  const int64_t group = ctx.attr<int64_t>("group", 1);
  check_conv_channels(x, w, group);
  const int64_t m = w.dim(0);
  const std::vector<int32_t> x_zp = zero_point(ctx, x_zp_index, x.dtype(), 0, "x_zero_point");
  const std::vector<int32_t> w_zp = zero_point(ctx, w_zp_index, w.dtype(), m, "w_zero_point");
  const ir::Dims in(x.dims().begin() + 2, x.dims().end());
  const ir::Dims k = kernel_shape(ctx.node(), in.size(), ir::Dims(w.dims().begin() + 2, w.dims().end()));
  const SpatialGeometry g = spatial_geometry(ctx.node(), in, k);

  std::vector<int64_t> xi = load_as<int64_t>(x, "x");
  for (int64_t& v : xi) v -= x_zp[0];
  std::vector<int64_t> wi = load_as<int64_t>(w, "w");
  const int64_t per_channel = w.numel() / m;
  for (int64_t c = 0; c < m; ++c)
    for (int64_t i = 0; i < per_channel; ++i)
      wi[static_cast<size_t>(c * per_channel + i)] -= param_at(w_zp, c);

  IntegerConv result;
  result.out_dims = {x.dim(0), m};
  result.out_dims.insert(result.out_dims.end(), g.out.begin(), g.out.end());
  const int64_t out_size = g.out_size();
  result.acc.assign(static_cast<size_t>(x.dim(0) * m * out_size), 0);
  if (!bias.empty()) {
    if (static_cast<int64_t>(bias.size()) != m)
      throw_invalid_argument("B has {} values, expected {} (one per output channel)", bias.size(),
                             m);
    for (int64_t n = 0; n < x.dim(0); ++n)
      for (int64_t c = 0; c < m; ++c)
        std::fill_n(result.acc.begin() + (n * m + c) * out_size, out_size,
                    bias[static_cast<size_t>(c)]);
  }
  conv_accumulate(xi.data(), wi.data(), result.acc.data(), x.dim(0), x.dim(1), m, group, g);
  return result;
}

void conv_integer(KernelContext& ctx) {
  IntegerConv conv = integer_conv(ctx, 1, 2, 3, {});
  ir::Tensor& y = ctx.allocate_output(0, ir::DType::I32, conv.out_dims);
  int32_t* dst = y.data<int32_t>();
  for (size_t i = 0; i < conv.acc.size(); ++i) dst[i] = static_cast<int32_t>(conv.acc[i]);
}

// Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
void qlinear_conv(KernelContext& ctx) {
  std::vector<int32_t> bias;
  if (ctx.has_input(8)) {
    const ir::Tensor& b = ctx.input(8);
    if (b.dtype() != ir::DType::I32 || b.rank() != 1)
      throw_invalid_argument("B has dtype {} and shape {}, expected a 1-D i32 tensor",
                             ir::dtype_name(b.dtype()), ir::to_string(b.dims()));
    bias = load_as<int32_t>(b, "B");
  }
  const ir::Tensor& y_zp_t = ctx.input(7);
  require_quantized(y_zp_t, "y_zero_point");
  IntegerConv conv = integer_conv(ctx, 3, 2, 5, bias);
  const int64_t m = conv.out_dims[1];
  const float x_scale = quant_param<float>(ctx.input(1), 0, "x_scale")[0];
  const std::vector<float> w_scale = quant_param<float>(ctx.input(4), m, "w_scale");
  const float y_scale = quant_param<float>(ctx.input(6), 0, "y_scale")[0];
  const int32_t y_zp = quant_param<int32_t>(y_zp_t, 0, "y_zero_point")[0];

  ir::Tensor& y = ctx.allocate_output(0, y_zp_t.dtype(), conv.out_dims);
  const int64_t plane = y.numel() / (conv.out_dims[0] * m);
  std::vector<int32_t> q(conv.acc.size());
  for (size_t i = 0; i < q.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / plane) % m;
    const float scale = x_scale * param_at(w_scale, c) / y_scale;
    q[i] = quantize_value(static_cast<float>(conv.acc[i]) * scale, y_zp, y.dtype());
  }
  store_as(q.data(), y);
}

}  // namespace

void register_conv_integer(KernelRegistry& registry) {
  registry.add("ConvInteger", &conv_integer);
  registry.add("QLinearConv", &qlinear_conv);
}

}  // namespace zenith::ref
