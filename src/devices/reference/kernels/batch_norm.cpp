// BatchNormalization: per-channel affine normalization with given statistics (inference) or
// batch statistics plus updated running statistics (training_mode = 1); zenith.BatchNormTrain,
// the training form autograd runs (src/train), is the latter with PyTorch's running variance.
#include <algorithm>
#include <cmath>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/replica_sums.h"

namespace zenith::ref {
namespace {

// How normalize() runs. `unbiased_running_var`: the running variance moves towards the
// batch's unbiased variance, as PyTorch's does (ONNX's moves towards the population variance
// that normalizes Y). `relu`: Y is max(0, the normalized X). `sync`: the batch is the union of
// every replica's (devices/reference/replica_sums.h).
struct Mode {
  bool training = false, unbiased_running_var = false, relu = false, sync = false;
};

// Per channel: the batch's element count, mean and sum of squared deviations from the mean.
struct Moments {
  std::vector<double> count, mean, m2;
};

// X's moments; X is [batch, channels, inner] (inner: the spatial positions).
Moments moments(const std::vector<double>& x, int64_t batch, int64_t channels, int64_t inner) {
  const size_t size = static_cast<size_t>(channels);
  Moments s{std::vector<double>(size, static_cast<double>(batch * inner)),
            std::vector<double>(size), std::vector<double>(size)};
  const auto at = [&](int64_t n, int64_t c, int64_t i) {
    return x[static_cast<size_t>((n * channels + c) * inner + i)];
  };
  for (int64_t c = 0; c < channels; ++c) {
    const size_t ci = static_cast<size_t>(c);
    double sum = 0;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < inner; ++i) sum += at(n, c, i);
    s.mean[ci] = s.count[ci] > 0 ? sum / s.count[ci] : 0;
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t i = 0; i < inner; ++i)
        s.m2[ci] += (at(n, c, i) - s.mean[ci]) * (at(n, c, i) - s.mean[ci]);
  }
  return s;
}

// This replica's moments `s` made the global batch's, as PyTorch's SyncBatchNorm makes them: one
// sum over the replicas of [count x mean, m2 + count x mean^2, count] per channel. Every replica
// calls it once per run, whatever its batch (count 0 adds nothing).
void sum_over_replicas(Moments& s) {
  const size_t channels = s.mean.size();
  std::vector<double> sums(3 * channels);
  for (size_t c = 0; c < channels; ++c) {
    sums[c] = s.count[c] * s.mean[c];
    sums[channels + c] = s.m2[c] + s.count[c] * s.mean[c] * s.mean[c];
    sums[2 * channels + c] = s.count[c];
  }
  devices::sum_over_replicas(sums.data(), sums.size());
  for (size_t c = 0; c < channels; ++c) {
    const double n = sums[2 * channels + c], m = n > 0 ? sums[c] / n : 0;
    s.count[c] = n;
    s.mean[c] = m;
    // The sum of squares less n m^2 may round below 0 when the variance is tiny beside m^2.
    s.m2[c] = std::max(sums[channels + c] - n * m * m, 0.0);
  }
}

void normalize(KernelContext& ctx, Mode mode) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "X");
  if (x.rank() < 2)
    throw_invalid_argument("X has shape {}, expected [N, C, ...]", ir::to_string(x.dims()));
  const int64_t channels = x.dim(1);
  const char* names[] = {"X", "scale", "B", "input_mean", "input_var"};
  for (size_t i = 1; i < 5; ++i) {
    const ir::Tensor& t = ctx.input(i);
    require_floating(t, names[i]);
    if (t.rank() != 1 || t.dim(0) != channels)
      throw_invalid_argument("{} has shape {}, expected [{}] (one per channel)", names[i],
                             ir::to_string(t.dims()), channels);
  }
  const double epsilon = ctx.attr<float>("epsilon", 1e-5f);
  const double momentum = ctx.attr<float>("momentum", 0.9f);
  const std::vector<double> xv = load_as<double>(x, "X");
  const std::vector<double> scale = load_as<double>(ctx.input(1), "scale");
  const std::vector<double> bias = load_as<double>(ctx.input(2), "B");
  std::vector<double> mean = load_as<double>(ctx.input(3), "input_mean");
  std::vector<double> var = load_as<double>(ctx.input(4), "input_var");
  const int64_t batch = x.dim(0);
  const int64_t inner = channels == 0 || batch == 0 ? 0 : x.numel() / (batch * channels);
  auto at = [&](int64_t n, int64_t c) { return (n * channels + c) * inner; };

  if (mode.training) {
    // Population statistics of the batch normalize Y; the running ones move towards them.
    Moments batch_moments = moments(xv, batch, channels, inner);
    if (mode.sync) sum_over_replicas(batch_moments);
    std::vector<double> running_mean = mean, running_var = var;
    for (size_t c = 0; c < mean.size(); ++c) {
      const double count = batch_moments.count[c];
      mean[c] = batch_moments.mean[c];
      var[c] = count > 0 ? batch_moments.m2[c] / count : 0;
      running_mean[c] = running_mean[c] * momentum + mean[c] * (1 - momentum);
      const double correction = mode.unbiased_running_var && count > 1 ? count / (count - 1) : 1.0;
      running_var[c] = running_var[c] * momentum + var[c] * correction * (1 - momentum);
    }
    if (ctx.has_output(1))
      store_as(running_mean.data(), ctx.allocate_output(1, ctx.input(3).dtype(), {channels}));
    if (ctx.has_output(2))
      store_as(running_var.data(), ctx.allocate_output(2, ctx.input(4).dtype(), {channels}));
    // zenith.BatchNormTrain's saved statistics (the frontend drops ONNX's opset-9 ones).
    if (ctx.has_output(3)) store_as(mean.data(), ctx.allocate_output(3, x.dtype(), {channels}));
    if (ctx.has_output(4)) store_as(var.data(), ctx.allocate_output(4, x.dtype(), {channels}));
  }
  std::vector<double> y(xv.size());
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const size_t ci = static_cast<size_t>(c);
      const double a = scale[ci] / std::sqrt(var[ci] + epsilon);
      const double b = bias[ci] - mean[ci] * a;
      for (int64_t i = 0; i < inner; ++i) {
        const size_t k = static_cast<size_t>(at(n, c) + i);
        y[k] = mode.relu ? std::max(xv[k] * a + b, 0.0) : xv[k] * a + b;
      }
    }
  store_as(y.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
}

void batch_norm(KernelContext& ctx) {
  normalize(ctx, {.training = ctx.attr<int64_t>("training_mode", 0) != 0});
}

// zenith.BatchNormTrain(X, scale, B, running_mean, running_var) -> Y, running_mean',
// running_var'[, saved_mean, saved_var]: BatchNormalization's training mode as PyTorch computes
// it, saving the batch's mean and population variance for the gradient; with attribute relu = 1,
// a Relu of Y fused (train/batch_norm_relu_fusion.h); with sync = 1, the statistics are those
// of every data-parallel replica's batch together (PyTorch's SyncBatchNorm).
void batch_norm_train(KernelContext& ctx) {
  normalize(ctx, {.training = true,
                  .unbiased_running_var = true,
                  .relu = ctx.attr<int64_t>("relu", 0) != 0,
                  .sync = ctx.attr<int64_t>("sync", 0) != 0});
}

}  // namespace

void register_batch_norm(KernelRegistry& registry) {
  registry.add("BatchNormalization", &batch_norm);
  registry.add("zenith", "BatchNormTrain", &batch_norm_train);
}

}  // namespace zenith::ref
