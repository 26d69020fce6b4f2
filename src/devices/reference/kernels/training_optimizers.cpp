// Adagrad, Adam and Momentum (domain ai.onnx.preview.training): one optimizer step over n
// tensors. Inputs are R (learning rate), T (update count), then n X, n G and the optimizer's
// n-tensor state groups; outputs are n new X followed by the new state groups.
#include <cmath>
#include <functional>

#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

constexpr const char* kDomain = "ai.onnx.preview.training";

double read_scalar(const KernelContext& ctx, size_t i, const char* name, bool integer) {
  const ir::Tensor& t = ctx.input(i);
  const bool ok = integer ? t.dtype() == ir::DType::I64
                          : t.dtype() == ir::DType::F32 || t.dtype() == ir::DType::F64;
  if (t.numel() != 1 || !ok)
    throw_invalid_argument("input '{}' must be a single {} value, got {} tensor of shape {}", name,
                           integer ? "int64" : "float or double", ir::dtype_name(t.dtype()),
                           ir::to_string(t.dims()));
  return t.as_double(0);
}

// Element update: reads one element of each input group (X, G, state...) and writes one of
// each output group (X_new, new state...).
using Update = std::function<void(const double* in, double* out)>;

// Runs `update` over every element of the n tensors, where the node has `in_groups` groups of
// n inputs after R and T, and `out_groups` groups of n outputs.
void apply(KernelContext& ctx, size_t in_groups, size_t out_groups, const Update& update) {
  const size_t variadic = ctx.num_inputs() < 2 ? 0 : ctx.num_inputs() - 2;
  if (variadic == 0 || variadic % in_groups != 0)
    throw_invalid_model("the node has {} inputs, expected R, T and {} groups of n tensors",
                        ctx.num_inputs(), in_groups);
  const size_t n = variadic / in_groups;
  if (ctx.num_outputs() > out_groups * n)
    throw_invalid_model("the node has {} outputs, expected at most {} for {} tensors",
                        ctx.num_outputs(), out_groups * n, n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<const ir::Tensor*> in;
    for (size_t g = 0; g < in_groups; ++g) {
      const ir::Tensor& t = ctx.input(2 + g * n + i);
      if (t.dtype() != ir::DType::F32 && t.dtype() != ir::DType::F64)
        throw_invalid_argument("input {} has dtype {}, expected f32 or f64", 2 + g * n + i,
                               ir::dtype_name(t.dtype()));
      if (!in.empty() && (t.dims() != in[0]->dims() || t.dtype() != in[0]->dtype()))
        throw_invalid_argument("input {} is {}{}, but the tensor it updates (input {}) is {}{}",
                               2 + g * n + i, ir::dtype_name(t.dtype()), ir::to_string(t.dims()),
                               2 + i, ir::dtype_name(in[0]->dtype()), ir::to_string(in[0]->dims()));
      in.push_back(&t);
    }
    std::vector<ir::Tensor> out;
    for (size_t g = 0; g < out_groups; ++g) out.emplace_back(in[0]->dtype(), in[0]->dims());
    std::vector<double> in_values(in_groups), out_values(out_groups);
    ir::visit_numeric(in[0]->dtype(), "optimizer", [&](auto tag) {
      using T = typename decltype(tag)::type;
      for (int64_t e = 0; e < in[0]->numel(); ++e) {
        for (size_t g = 0; g < in_groups; ++g) in_values[g] = double(in[g]->data<T>()[e]);
        update(in_values.data(), out_values.data());
        for (size_t g = 0; g < out_groups; ++g) out[g].data<T>()[e] = T(out_values[g]);
      }
    });
    for (size_t g = 0; g < out_groups; ++g)
      if (g * n + i < ctx.num_outputs()) ctx.set_output(g * n + i, std::move(out[g]));
  }
}

void adagrad(KernelContext& ctx) {
  const double decay = ctx.attr<float>("decay_factor", 0.0f);
  const double epsilon = ctx.attr<float>("epsilon", 1e-6f);
  const double norm = ctx.attr<float>("norm_coefficient", 0.0f);
  const double r = read_scalar(ctx, 0, "R", false) / (1 + read_scalar(ctx, 1, "T", true) * decay);
  apply(ctx, 3, 2, [&](const double* in, double* out) {  // in: X, G, H; out: X, H
    const double g = norm * in[0] + in[1];
    out[1] = in[2] + g * g;
    out[0] = in[0] - r * g / (std::sqrt(out[1]) + epsilon);
  });
}

void adam(KernelContext& ctx) {
  const double alpha = ctx.attr<float>("alpha", 0.9f);
  const double beta = ctx.attr<float>("beta", 0.999f);
  const double epsilon = ctx.attr<float>("epsilon", 1e-6f);
  const double norm = ctx.attr<float>("norm_coefficient", 0.0f);
  const double norm_post = ctx.attr<float>("norm_coefficient_post", 0.0f);
  const double r = read_scalar(ctx, 0, "R", false);
  const double t = read_scalar(ctx, 1, "T", true);
  // From the first update on, the learning rate corrects the bias of both momentums.
  const double r_adjusted =
      t > 0 ? r * std::sqrt(1 - std::pow(beta, t)) / (1 - std::pow(alpha, t)) : r;
  apply(ctx, 4, 3, [&](const double* in, double* out) {  // in: X, G, V, H; out: X, V, H
    const double g = norm * in[0] + in[1];
    out[1] = alpha * in[2] + (1 - alpha) * g;
    out[2] = beta * in[3] + (1 - beta) * g * g;
    const double x = in[0] - r_adjusted * (out[1] / (std::sqrt(out[2]) + epsilon));
    out[0] = (1 - norm_post) * x;
  });
}

void momentum(KernelContext& ctx) {
  const double alpha = ctx.attr<float>("alpha");
  const double beta = ctx.attr<float>("beta");
  const double norm = ctx.attr<float>("norm_coefficient");
  const std::string mode = ctx.attr<std::string>("mode");
  if (mode != "standard" && mode != "nesterov")
    throw_invalid_model("attribute 'mode' is '{}', expected 'standard' or 'nesterov'", mode);
  const double r = read_scalar(ctx, 0, "R", false);
  // The first update (T = 0) takes the whole gradient.
  const double beta_adjusted = read_scalar(ctx, 1, "T", true) > 0 ? beta : 1.0;
  const bool nesterov = mode == "nesterov";
  apply(ctx, 3, 2, [&](const double* in, double* out) {  // in: X, G, V; out: X, V
    const double g = norm * in[0] + in[1];
    out[1] = alpha * in[2] + beta_adjusted * g;
    out[0] = in[0] - r * (nesterov ? g + alpha * out[1] : out[1]);
  });
}

}  // namespace

void register_training_optimizers(KernelRegistry& registry) {
  registry.add(kDomain, "Adagrad", &adagrad);
  registry.add(kDomain, "Adam", &adam);
  registry.add(kDomain, "Momentum", &momentum);
}

}  // namespace zenith::ref
