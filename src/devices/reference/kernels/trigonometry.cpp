// Trigonometric and hyperbolic functions and their inverses, on floating point tensors.
#include <cmath>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void sin(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::sin(v); });
}
void cos(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::cos(v); });
}
void tan(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::tan(v); });
}
void asin(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::asin(v); });
}
void acos(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::acos(v); });
}
void atan(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::atan(v); });
}
void sinh(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::sinh(v); });
}
void cosh(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::cosh(v); });
}
void tanh(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::tanh(v); });
}
void asinh(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::asinh(v); });
}
void acosh(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::acosh(v); });
}
void atanh(KernelContext& ctx) {
  unary_kernel<kFloat>(ctx, [](auto v) { return std::atanh(v); });
}

}  // namespace

void register_trigonometry(KernelRegistry& registry) {
  registry.add("Acos", &acos);
  registry.add("Acosh", &acosh);
  registry.add("Asin", &asin);
  registry.add("Asinh", &asinh);
  registry.add("Atan", &atan);
  registry.add("Atanh", &atanh);
  registry.add("Cos", &cos);
  registry.add("Cosh", &cosh);
  registry.add("Sin", &sin);
  registry.add("Sinh", &sinh);
  registry.add("Tan", &tan);
  registry.add("Tanh", &tanh);
}

}  // namespace zenith::ref
