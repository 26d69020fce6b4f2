// Add, Sub, Mul, Div with numpy broadcasting.
#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void add(KernelContext& ctx) {
  binary_kernel<kNumeric>(ctx, [](auto a, auto b) { return wrapping_add(a, b); });
}
void sub(KernelContext& ctx) {
  binary_kernel<kNumeric>(ctx, [](auto a, auto b) { return wrapping_sub(a, b); });
}
void mul(KernelContext& ctx) {
  binary_kernel<kNumeric>(ctx, [](auto a, auto b) { return wrapping_mul(a, b); });
}
void div(KernelContext& ctx) {
  binary_kernel<kNumeric>(ctx, [](auto a, auto b) { return divide(a, b); });
}

}  // namespace

void register_binary_arithmetic(KernelRegistry& registry) {
  registry.add("Add", &add);
  registry.add("Div", &div);
  registry.add("Mul", &mul);
  registry.add("Sub", &sub);
}

}  // namespace zenith::ref
