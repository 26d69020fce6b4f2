// BatchNormalization: per-channel affine normalization with given statistics (inference) or
// batch statistics plus updated running statistics (training_mode = 1); zenith.BatchNormTrain,
// the training form autograd runs (src/train), is the latter with PyTorch's running variance.
#include <algorithm>
#include <cmath>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

// `unbiased_running_var`: the running variance moves towards the batch's unbiased variance, as
// PyTorch's does (ONNX's moves towards the population variance that normalizes Y). `relu`: Y is
// max(0, the normalized X).
void normalize(KernelContext& ctx, bool training, bool unbiased_running_var, bool relu) {
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

  if (training) {
    // Population statistics of this batch normalize Y; the running ones move towards them.
    const double count = static_cast<double>(batch * inner);
    std::vector<double> running_mean = mean, running_var = var;
    for (int64_t c = 0; c < channels; ++c) {
      double sum = 0, sq = 0;
      for (int64_t n = 0; n < batch; ++n)
        for (int64_t i = 0; i < inner; ++i) sum += xv[static_cast<size_t>(at(n, c) + i)];
      const double m = count > 0 ? sum / count : 0;
      for (int64_t n = 0; n < batch; ++n)
        for (int64_t i = 0; i < inner; ++i) {
          const double d = xv[static_cast<size_t>(at(n, c) + i)] - m;
          sq += d * d;
        }
      const size_t ci = static_cast<size_t>(c);
      mean[ci] = m;
      var[ci] = count > 0 ? sq / count : 0;
      running_mean[ci] = running_mean[ci] * momentum + mean[ci] * (1 - momentum);
      const double correction = unbiased_running_var && count > 1 ? count / (count - 1) : 1.0;
      running_var[ci] = running_var[ci] * momentum + var[ci] * correction * (1 - momentum);
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
        y[k] = relu ? std::max(xv[k] * a + b, 0.0) : xv[k] * a + b;
      }
    }
  store_as(y.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
}

void batch_norm(KernelContext& ctx) {
  normalize(ctx, ctx.attr<int64_t>("training_mode", 0) != 0, false, false);
}

// zenith.BatchNormTrain(X, scale, B, running_mean, running_var) -> Y, running_mean',
// running_var'[, saved_mean, saved_var]: BatchNormalization's training mode as PyTorch computes
// it, saving the batch's mean and population variance for the gradient; with attribute relu = 1,
// a Relu of Y fused (train/batch_norm_relu_fusion.h).
void batch_norm_train(KernelContext& ctx) {
  normalize(ctx, true, true, ctx.attr<int64_t>("relu", 0) != 0);
}

}  // namespace

void register_batch_norm(KernelRegistry& registry) {
  registry.add("BatchNormalization", &batch_norm);
  registry.add("zenith", "BatchNormTrain", &batch_norm_train);
}

}  // namespace zenith::ref
