// Pow: base ^ exponent with broadcasting; the exponent may have another dtype than the base, and
// the result has the base's dtype.
#include <cmath>
#include <type_traits>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

template <typename B, typename E>
B power(B base, E exponent) {
  if constexpr (std::is_integral_v<B> && std::is_integral_v<E>) {
    // Exact integer power by squaring (wrapping on overflow), as numpy computes it; doubles
    // would lose precision beyond 2^53.
    bool negative_exponent = false;
    if constexpr (std::is_signed_v<E>) negative_exponent = exponent < 0;
    if (!negative_exponent) {
      B result = 1;
      for (auto e = exponent; e > 0; e /= 2) {
        if (e % 2) result = wrapping_mul(result, base);
        base = wrapping_mul(base, base);
      }
      return result;
    }
  }
  // Double precision for every other case matches numpy, which promotes mixed operands.
  return convert<B>(std::pow(static_cast<double>(base), static_cast<double>(exponent)));
}

void pow(KernelContext& ctx) {
  const ir::Tensor& base = ctx.input(0);
  const ir::Tensor& exponent = ctx.input(1);
  const ir::Dims dims = ir::broadcast_dims(base.dims(), exponent.dims());
  visit_class<kNumeric>(base, input_name(ctx, 0), [&](auto base_tag) {
    using T = typename decltype(base_tag)::type;
    visit_class<kNumeric>(exponent, input_name(ctx, 1), [&](auto exponent_tag) {
      using E = typename decltype(exponent_tag)::type;
      map_binary<T, E, T>(base, exponent, ctx.allocate_output(0, base.dtype(), dims),
                          [](auto b, auto e) { return power(b, e); });
    });
  });
}

}  // namespace

void register_pow(KernelRegistry& registry) { registry.add("Pow", &pow); }

}  // namespace zenith::ref
