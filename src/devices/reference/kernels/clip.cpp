// Clip: min(max(x, min), max) with optional scalar bounds given as inputs 1 and 2.
#include <algorithm>
#include <limits>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// The bound held by optional input i, or `fallback` when the input is absent.
template <typename T>
Compute<T> bound(const KernelContext& ctx, size_t i, Compute<T> fallback) {
  if (!ctx.has_input(i)) return fallback;
  const ir::Tensor& t = ctx.input(i);
  check_same_dtype(ctx, 0, i);
  if (t.numel() != 1)
    throw_invalid_argument("{} must be a scalar, got shape {}", input_name(ctx, i),
                           ir::to_string(t.dims()));
  return static_cast<Compute<T>>(t.data<T>()[0]);
}

void clip(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  visit_class<kNumeric>(x, input_name(ctx, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using V = Compute<T>;
    // Infinite defaults keep infinite inputs unchanged when a bound is absent.
    const V lo = bound<T>(ctx, 1,
                          std::numeric_limits<V>::has_infinity ? -std::numeric_limits<V>::infinity()
                                                               : std::numeric_limits<V>::lowest());
    const V hi = bound<T>(ctx, 2,
                          std::numeric_limits<V>::has_infinity ? std::numeric_limits<V>::infinity()
                                                               : std::numeric_limits<V>::max());
    // When min > max every element becomes max, as in numpy.
    map_unary<T, T>(x, ctx.allocate_output(0, x.dtype(), x.dims()), [&](V v) {
      const V low_clipped = v < lo ? lo : v;
      return low_clipped > hi ? hi : low_clipped;
    });
  });
}

}  // namespace

void register_clip(KernelRegistry& registry) { registry.add("Clip", &clip); }

}  // namespace zenith::ref
