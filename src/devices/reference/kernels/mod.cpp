// Mod: integer remainder with the divisor's sign (fmod=0) or C fmod semantics (fmod=1).
#include <cmath>
#include <type_traits>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// The truncated remainder a - trunc(a / b) * b, whose sign follows the dividend.
template <typename V>
V truncated_remainder(V a, V b) {
  if constexpr (std::is_integral_v<V>) {
    if (b == 0) throw_invalid_argument("integer modulo by zero");
    // MIN % -1 traps on x86 although its value, 0, is well defined.
    if constexpr (std::is_signed_v<V>) {
      if (b == -1) return V(0);
    }
    return static_cast<V>(a % b);
  } else {
    return std::fmod(a, b);
  }
}

// Python's %: a nonzero result takes the sign of the divisor.
template <typename V>
V floored_remainder(V a, V b) {
  const V r = truncated_remainder(a, b);
  if constexpr (std::is_signed_v<V>) {
    if (r != 0 && (r < 0) != (b < 0)) return static_cast<V>(r + b);
  }
  return r;
}

void mod(KernelContext& ctx) {
  const int64_t fmod = ctx.attr<int64_t>("fmod", 0);
  if (fmod != 0 && fmod != 1) throw_invalid_model("attribute 'fmod' is {}, expected 0 or 1", fmod);
  if (fmod == 0 && ir::is_floating(ctx.input(0).dtype()))
    throw_invalid_model("attribute 'fmod' must be 1 for floating point inputs (found dtype {})",
                        ir::dtype_name(ctx.input(0).dtype()));
  if (fmod == 1)
    binary_kernel<kNumeric>(ctx, [](auto a, auto b) { return truncated_remainder(a, b); });
  else
    binary_kernel<kInteger>(ctx, [](auto a, auto b) { return floored_remainder(a, b); });
}

}  // namespace

void register_mod(KernelRegistry& registry) { registry.add("Mod", &mod); }

}  // namespace zenith::ref
