// Unary math ops: Abs, Neg, Sign, rounding, Reciprocal, Sqrt, Exp, Log, Erf, Sigmoid, IsInf, IsNaN.
#include <cmath>
#include <type_traits>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// Negation in the unsigned domain, so that the most negative integer wraps instead of being
// undefined behavior.
template <typename V>
V negate(V v) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(0 - static_cast<std::make_unsigned_t<V>>(v));
  else
    return -v;
}

template <typename V>
V absolute(V v) {
  if constexpr (std::is_unsigned_v<V>)
    return v;
  else if constexpr (std::is_integral_v<V>)
    return v < 0 ? negate(v) : v;
  else
    return std::abs(v);
}

template <typename V>
V sign(V v) {
  if (is_nan(v)) return v;
  if constexpr (std::is_unsigned_v<V>)
    return V(v > 0);
  else
    return V((v > V(0)) - (v < V(0)));
}

template <typename V>
V sigmoid(V v) {
  // Both branches exponentiate a non-positive number, so neither overflows.
  if (v >= 0) return V(1) / (V(1) + std::exp(-v));
  const V e = std::exp(v);
  return e / (V(1) + e);
}

void abs_op(KernelContext& ctx) {
  unary_kernel<kNumeric>(ctx, [](auto v) { return absolute(v); });
}
void neg(KernelContext& ctx) {
  unary_kernel<kFloat | kSignedInt>(ctx, [](auto v) { return negate(v); });
}
void sign_op(KernelContext& ctx) {
  unary_kernel<kNumeric>(ctx, [](auto v) { return sign(v); });
}
void ceil(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::ceil(v); });
}
void floor(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::floor(v); });
}
// nearbyint in the default rounding mode rounds halves to even, as ONNX Round requires.
void round(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::nearbyint(v); });
}
void reciprocal(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return decltype(v)(1) / v; });
}
void sqrt(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::sqrt(v); });
}
void exp(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::exp(v); });
}
void log(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::log(v); });
}
void erf(KernelContext& ctx) {
  unary_kernel<kNumeric>(ctx, [](auto v) { return std::erf(v); });
}
void sigmoid_op(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return sigmoid(v); });
}

void is_nan_op(KernelContext& ctx) {
  unary_predicate_kernel<kFloat>(ctx, [](auto v) { return std::isnan(v); });
}

void is_inf(KernelContext& ctx) {
  const bool negative = ctx.attr<int64_t>("detect_negative", 1) != 0;
  const bool positive = ctx.attr<int64_t>("detect_positive", 1) != 0;
  unary_predicate_kernel<kFloat>(
      ctx, [&](auto v) { return std::isinf(v) && (v > 0 ? positive : negative); });
}

}  // namespace

void register_unary_math(KernelRegistry& registry) {
  registry.add("Abs", &abs_op);
  registry.add("Ceil", &ceil);
  registry.add("Erf", &erf);
  registry.add("Exp", &exp);
  registry.add("Floor", &floor);
  registry.add("IsInf", &is_inf);
  registry.add("IsNaN", &is_nan_op);
  registry.add("Log", &log);
  registry.add("Neg", &neg);
  registry.add("Reciprocal", &reciprocal);
  registry.add("Round", &round);
  registry.add("Sigmoid", &sigmoid_op);
  registry.add("Sign", &sign_op);
  registry.add("Sqrt", &sqrt);
}

}  // namespace zenith::ref
