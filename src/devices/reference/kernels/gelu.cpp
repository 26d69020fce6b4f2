// zenith.Gelu, which gelu_fusion makes of the erf and tanh forms PyTorch exports:
// "none": x/2 * (1 + erf(x / sqrt(2)));  "tanh": x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
#include <cmath>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void gelu(KernelContext& ctx) {
  const std::string approximate = ctx.attr<std::string>("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    throw_invalid_model("attribute approximate is '{}', expected 'none' or 'tanh'", approximate);
  const bool tanh_form = approximate == "tanh";
  // In double, so that the oracle's error stays well below the float result's rounding.
  unary_kernel<kFloat>(ctx, [tanh_form](auto v) {
    const double x = v;
    const double inner = tanh_form ? std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))
                                   : std::erf(x / std::sqrt(2.0));
    return static_cast<decltype(v)>(0.5 * x * (1.0 + inner));
  });
}

}  // namespace

void register_gelu(KernelRegistry& registry) { registry.add("zenith", "Gelu", &gelu); }

}  // namespace zenith::ref
