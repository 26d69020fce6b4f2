// BitShift: shifts unsigned integers LEFT or RIGHT by per-element amounts, with broadcasting.
#include <string>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void bit_shift(KernelContext& ctx) {
  const std::string direction = ctx.attr<std::string>("direction");
  if (direction != "LEFT" && direction != "RIGHT")
    throw_invalid_model("attribute 'direction' is '{}', expected 'LEFT' or 'RIGHT'", direction);
  const bool left = direction == "LEFT";
  binary_kernel<kUnsignedInt>(ctx, [left](auto x, auto amount) {
    using V = decltype(x);
    // Shifting by the bit width or more is undefined in C++; every bit is shifted out.
    if (amount >= sizeof(V) * 8) return V(0);
    return static_cast<V>(left ? Wrapping<V>(x) << amount : x >> amount);
  });
}

}  // namespace

void register_bitshift(KernelRegistry& registry) { registry.add("BitShift", &bit_shift); }

}  // namespace zenith::ref
