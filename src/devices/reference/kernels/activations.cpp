// Pointwise activations with attributes: Celu, Elu, HardSigmoid, HardSwish, LeakyRelu, Selu,
// Shrink, Softplus, Softsign, ThresholdedRelu.
#include <algorithm>
#include <cmath>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void celu(KernelContext& ctx) {
  const float alpha = ctx.attr<float>("alpha", 1.0f);
  if (alpha == 0.0f) throw_invalid_model("attribute 'alpha' of Celu must not be 0");
  unary_kernel<kFloat>(ctx, [&](auto v) {
    using V = decltype(v);
    return std::max(V(0), v) + std::min(V(0), V(alpha) * std::expm1(v / V(alpha)));
  });
}

void elu(KernelContext& ctx) {
  const float alpha = ctx.attr<float>("alpha", 1.0f);
  unary_kernel<kFloat>(ctx, [&](auto v) {
    using V = decltype(v);
    return v < 0 ? V(alpha) * std::expm1(v) : v;
  });
}

void hard_sigmoid(KernelContext& ctx) {
  const float alpha = ctx.attr<float>("alpha", 0.2f);
  const float beta = ctx.attr<float>("beta", 0.5f);
  unary_kernel<kFloat>(ctx, [&](auto v) {
    using V = decltype(v);
    return std::clamp(V(alpha) * v + V(beta), V(0), V(1));
  });
}

void hard_swish(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) {
    using V = decltype(v);
    return v * std::clamp(v / V(6) + V(0.5), V(0), V(1));
  });
}

void leaky_relu(KernelContext& ctx) {
  const float alpha = ctx.attr<float>("alpha", 0.01f);
  unary_kernel<kFloat>(ctx, [&](auto v) { return v < 0 ? decltype(v)(alpha) * v : v; });
}

void selu(KernelContext& ctx) {
  const float alpha = ctx.attr<float>("alpha", 1.67326319217681884765625f);
  const float gamma = ctx.attr<float>("gamma", 1.05070102214813232421875f);
  unary_kernel<kFloat>(ctx, [&](auto v) {
    using V = decltype(v);
    return V(gamma) * (v > 0 ? v : V(alpha) * std::expm1(v));
  });
}

// Shrink accepts every numeric type; integers compare and subtract in double and convert back.
void shrink(KernelContext& ctx) {
  const double bias = ctx.attr<float>("bias", 0.0f);
  const double lambd = ctx.attr<float>("lambd", 0.5f);
  unary_kernel<kNumeric>(ctx, [&](auto v) {
    const double x = static_cast<double>(v);
    return x < -lambd ? x + bias : x > lambd ? x - bias : 0.0;
  });
}

void softplus(KernelContext& ctx) {
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|), which neither overflows nor loses small values.
  unary_kernel<kFloat>(ctx, [](auto v) {
    using V = decltype(v);
    return std::max(v, V(0)) + std::log1p(std::exp(-std::abs(v)));
  });
}

void softsign(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return v / (decltype(v)(1) + std::abs(v)); });
}

void thresholded_relu(KernelContext& ctx) {
  const float alpha = ctx.attr<float>("alpha", 1.0f);
  unary_kernel<kFloat>(ctx, [&](auto v) { return v > decltype(v)(alpha) ? v : decltype(v)(0); });
}

}  // namespace

void register_activations(KernelRegistry& registry) {
  registry.add("Celu", &celu);
  registry.add("Elu", &elu);
  registry.add("HardSigmoid", &hard_sigmoid);
  registry.add("HardSwish", &hard_swish);
  registry.add("LeakyRelu", &leaky_relu);
  registry.add("Selu", &selu);
  registry.add("Shrink", &shrink);
  registry.add("Softplus", &softplus);
  registry.add("Softsign", &softsign);
  registry.add("ThresholdedRelu", &thresholded_relu);
}

}  // namespace zenith::ref
