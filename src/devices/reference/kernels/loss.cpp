// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opset 13): reduction none / sum / mean,
// optional per-class weights and ignore_index.
#include <optional>
#include <string>
#include <vector>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/softmax_util.h"

namespace zenith::ref {
namespace {

// The loss over log-probabilities `log_prob` of dims (N, C, d1, ..., dk) given input 1 (target,
// dims (N, d1, ..., dk)) and optional input 2 (weight, dims (C)); written to output 0 with
// `dtype`. ONNX's mean divides by the summed weights of the targets that are not ignored.
void nll_loss(KernelContext& ctx, const std::vector<double>& log_prob, const ir::Dims& dims,
              ir::DType dtype) {
  const std::string reduction = ctx.attr<std::string>("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    throw_invalid_model("attribute reduction is '{}', expected 'none', 'sum' or 'mean'", reduction);
  std::optional<int64_t> ignore_index;
  if (ctx.node().has_attr("ignore_index")) ignore_index = ctx.attr<int64_t>("ignore_index");

  const ir::Tensor& target = ctx.input(1);
  ir::Dims target_dims(dims.begin(), dims.end());
  target_dims.erase(target_dims.begin() + 1);
  if (target.dtype() != ir::DType::I32 && target.dtype() != ir::DType::I64)
    throw_invalid_argument("input 1 (target) has dtype {}, expected i32 or i64",
                           ir::dtype_name(target.dtype()));
  if (target.dims() != target_dims)
    throw_invalid_argument("input 1 (target) has shape {}, expected {} for input shape {}",
                           ir::to_string(target.dims()), ir::to_string(target_dims),
                           ir::to_string(dims));
  const int64_t classes = dims[1];
  std::vector<double> weight(static_cast<size_t>(classes), 1.0);
  if (ctx.has_input(2)) {
    const ir::Tensor& w = ctx.input(2);
    if (w.dtype() != dtype || w.dims() != ir::Dims{classes})
      throw_invalid_argument("input 2 (weight) is {} {}, expected {} [{}]",
                             ir::dtype_name(w.dtype()), ir::to_string(w.dims()),
                             ir::dtype_name(dtype), classes);
    weight = load_as<double>(w, "input 2 (weight)");
  }

  const int64_t batch = dims[0];
  const int64_t inner = batch == 0 ? 0 : target.numel() / batch;
  std::vector<double> loss(static_cast<size_t>(target.numel()), 0.0);
  double loss_sum = 0, weight_sum = 0;
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t d = 0; d < inner; ++d) {
      const int64_t t = target.as_int64(n * inner + d);
      if (ignore_index && t == *ignore_index) continue;
      if (t < 0 || t >= classes)
        throw_invalid_argument("input 1 (target) holds class {}, expected [0, {})", t, classes);
      const double w = weight[static_cast<size_t>(t)];
      loss[static_cast<size_t>(n * inner + d)] = -log_prob[(n * classes + t) * inner + d] * w;
      loss_sum += loss[static_cast<size_t>(n * inner + d)];
      weight_sum += w;
    }
  }
  if (reduction == "none") {
    store_as(loss.data(), ctx.allocate_output(0, dtype, target_dims));
    return;
  }
  const double result = reduction == "sum" ? loss_sum : loss_sum / weight_sum;
  store_as(&result, ctx.allocate_output(0, dtype, {}));
}

void check_scores(const ir::Tensor& x) {
  require_floating(x, "input 0");
  if (x.rank() < 2)
    throw_invalid_argument("input 0 has shape {}, expected (N, C, d1, ..., dk) of rank >= 2",
                           ir::to_string(x.dims()));
}

void negative_log_likelihood_loss(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  check_scores(x);
  nll_loss(ctx, load_as<double>(x, "input 0"), x.dims(), x.dtype());
}

void softmax_cross_entropy_loss(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  check_scores(x);
  const std::vector<double> scores = load_as<double>(x, "input 0");
  std::vector<double> log_prob(scores.size());
  softmax_along(scores.data(), log_prob.data(), split_at_axis(x.dims(), 1), /*log=*/true);
  nll_loss(ctx, log_prob, x.dims(), x.dtype());
  if (ctx.has_output(1)) store_as(log_prob.data(), ctx.allocate_output(1, x.dtype(), x.dims()));
}

}  // namespace

void register_loss(KernelRegistry& registry) {
  registry.add("NegativeLogLikelihoodLoss", &negative_log_likelihood_loss);
  registry.add("SoftmaxCrossEntropyLoss", &softmax_cross_entropy_loss);
}

}  // namespace zenith::ref
