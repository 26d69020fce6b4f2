// zenith.BatchNormGrad(X, scale, dY, mean, var) -> dX, dscale, dB, attribute epsilon: the
// gradients of batch norm in training mode (autograd's BatchNormalization rule, src/train) from
// the batch's statistics its forward saved. With x^ = (x - mean) / sqrt(var + eps) per channel
// (var the population variance) and M the elements per channel:
//   dB = sum(dY), dscale = sum(dY x^), dX = scale / sqrt(var + eps) (dY - dB / M - x^ dscale / M).
// With attribute relu = 1 it reads a sixth input, Y = max(0, the normalized X) (a Relu fused
// into the norm, train/batch_norm_relu_fusion.h), and dY counts only where Y > 0.
#include <cmath>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

void batch_norm_grad(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& scale = ctx.input(1);
  const ir::Tensor& dy = ctx.input(2);
  require_floating(x, "X");
  require_same_dtype(dy, "dY", x, "X");
  if (x.rank() < 2)
    throw_invalid_argument("X has shape {}, expected [N, C, ...]", ir::to_string(x.dims()));
  if (dy.dims() != x.dims())
    throw_invalid_argument("dY has shape {}, X {}; expected the same", ir::to_string(dy.dims()),
                           ir::to_string(x.dims()));
  const int64_t batch = x.dim(0), channels = x.dim(1);
  const char* names[] = {"X", "scale", "dY", "mean", "var"};
  for (size_t i : {1, 3, 4}) {
    const ir::Tensor& t = ctx.input(i);
    require_floating(t, names[i]);
    if (t.rank() != 1 || t.dim(0) != channels)
      throw_invalid_argument("{} has shape {}, expected [{}] (one per channel)", names[i],
                             ir::to_string(t.dims()), channels);
  }
  const int64_t inner = batch * channels == 0 ? 0 : x.numel() / (batch * channels);
  const double epsilon = ctx.attr<float>("epsilon", 1e-5f);
  const double count = static_cast<double>(batch * inner);
  const std::vector<double> xv = load_as<double>(x, "X");
  std::vector<double> dyv = load_as<double>(dy, "dY");
  if (ctx.attr<int64_t>("relu", 0) != 0) {
    const ir::Tensor& y = ctx.input(5);
    if (y.dims() != x.dims())
      throw_invalid_argument("Y has shape {}, X {}; expected the same", ir::to_string(y.dims()),
                             ir::to_string(x.dims()));
    const std::vector<double> yv = load_as<double>(y, "Y");
    for (size_t k = 0; k < dyv.size(); ++k)
      if (!(yv[k] > 0)) dyv[k] = 0;
  }
  const std::vector<double> gamma = load_as<double>(scale, "scale");
  const std::vector<double> means = load_as<double>(ctx.input(3), "mean");
  const std::vector<double> vars = load_as<double>(ctx.input(4), "var");
  std::vector<double> dx(xv.size()), dscale(static_cast<size_t>(channels)),
      dbias(static_cast<size_t>(channels));
  // The elements of channel c, in order.
  const auto for_channel = [&](int64_t c, auto f) {
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < inner; ++i) f(static_cast<size_t>((n * channels + c) * inner + i));
  };
  for (int64_t c = 0; c < channels && count > 0; ++c) {
    const size_t ci = static_cast<size_t>(c);
    const double mean = means[ci], inv_std = 1.0 / std::sqrt(vars[ci] + epsilon);
    double sum_dy = 0, sum_dy_xhat = 0;
    for_channel(c, [&](size_t k) {
      sum_dy += dyv[k];
      sum_dy_xhat += dyv[k] * (xv[k] - mean) * inv_std;
    });
    dbias[ci] = sum_dy;
    dscale[ci] = sum_dy_xhat;
    for_channel(c, [&](size_t k) {
      const double xhat = (xv[k] - mean) * inv_std;
      dx[k] = gamma[ci] * inv_std * (dyv[k] - sum_dy / count - xhat * sum_dy_xhat / count);
    });
  }
  store_as(dx.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
  if (ctx.has_output(1)) store_as(dscale.data(), ctx.allocate_output(1, scale.dtype(), {channels}));
  if (ctx.has_output(2)) store_as(dbias.data(), ctx.allocate_output(2, scale.dtype(), {channels}));
}

}  // namespace

void register_batch_norm_grad(KernelRegistry& registry) {
  registry.add("zenith", "BatchNormGrad", &batch_norm_grad);
}

}  // namespace zenith::ref
