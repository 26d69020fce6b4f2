// Add, Sub, Mul, Div with numpy broadcasting.
#include <type_traits>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// Integer division truncates toward zero, as C++ does; a zero divisor is an error rather than a
// crash, and MIN / -1 wraps to MIN instead of trapping.
template <typename V>
V divide(V a, V b) {
  if constexpr (std::is_integral_v<V>) {
    if (b == 0) throw_invalid_argument("integer division by zero");
    if constexpr (std::is_signed_v<V>) {
      if (b == -1) return wrapping_sub(V(0), a);
    }
    return static_cast<V>(a / b);
  } else {
    return a / b;
  }
}

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
