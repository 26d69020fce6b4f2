// zenith.BatchNormGrad(X, scale, dY, mean, var) -> dX, dscale, dB, attribute epsilon: the
// gradients of batch norm in training mode (autograd's BatchNormalization rule, src/train) from
// the batch's statistics its forward saved. With x^ = (x - mean) / sqrt(var + eps) per channel
// (var the population variance) and M the elements per channel:
//   dB = sum(dY), dscale = sum(dY x^), dX = scale / sqrt(var + eps) (dY - dB / M - x^ dscale / M).
// With attribute relu = 1 it reads a sixth input, Y = max(0, the normalized X) (a Relu fused
// into the norm, train/batch_norm_relu_fusion.h), and dY counts only where Y > 0. With attribute
// sync = 1 the batch is every data-parallel replica's together (PyTorch's SyncBatchNorm): dX
// reads dB, dscale and M summed over the replicas, while the outputs dscale and dB stay this
// replica's (the trainer averages parameter gradients over the replicas, as PyTorch's DDP does).
#include <cmath>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/replica_sums.h"

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
  std::vector<double> dx(xv.size());
  // The elements of channel c, in order.
  const auto for_channel = [&](int64_t c, auto f) {
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < inner; ++i) f(static_cast<size_t>((n * channels + c) * inner + i));
  };
  std::vector<double> inv_std(vars.size());
  for (size_t c = 0; c < vars.size(); ++c) inv_std[c] = 1.0 / std::sqrt(vars[c] + epsilon);
  // Per channel, in three rows: sum dY, sum dY x^ and the elements summed (dB and dscale are
  // the first two rows, this replica's batch's).
  const size_t size = static_cast<size_t>(channels);
  std::vector<double> sums(3 * size);
  for (int64_t c = 0; c < channels; ++c) {
    const size_t ci = static_cast<size_t>(c);
    for_channel(c, [&](size_t k) {
      sums[ci] += dyv[k];
      sums[size + ci] += dyv[k] * (xv[k] - means[ci]) * inv_std[ci];
    });
    sums[2 * size + ci] = count;
  }
  const std::vector<double> dbias(sums.begin(), sums.begin() + channels),
      dscale(sums.begin() + channels, sums.begin() + 2 * channels);
  // dX reads the sums over the global batch: every replica's with sync = 1, each replica calling
  // once per run whatever its batch.
  if (ctx.attr<int64_t>("sync", 0) != 0) devices::sum_over_replicas(sums.data(), sums.size());
  for (int64_t c = 0; c < channels; ++c) {
    const size_t ci = static_cast<size_t>(c);
    const double total = sums[2 * size + ci];
    for_channel(c, [&](size_t k) {
      const double xhat = (xv[k] - means[ci]) * inv_std[ci];
      dx[k] =
          gamma[ci] * inv_std[ci] * (dyv[k] - sums[ci] / total - xhat * sums[size + ci] / total);
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
