// The activations fusion passes make (zenith domain):
// Gelu "none": x/2 * (1 + erf(x / sqrt(2)));  "tanh": x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715
// x^3))); Swish: x * sigmoid(alpha * x).
#include <cmath>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// In double, so that the oracle's error stays well below the float result's rounding.

void gelu(KernelContext& ctx) {
  const std::string approximate = ctx.attr<std::string>("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    throw_invalid_model("attribute approximate is '{}', expected 'none' or 'tanh'", approximate);
  const bool tanh_form = approximate == "tanh";
  unary_kernel<kFloat>(ctx, [tanh_form](auto v) {
    const double x = v;
    const double inner = tanh_form ? std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))
                                   : std::erf(x / std::sqrt(2.0));
    return static_cast<decltype(v)>(0.5 * x * (1.0 + inner));
  });
}

void swish(KernelContext& ctx) {
  const double alpha = ctx.attr<float>("alpha", 1.0f);
  unary_kernel<kFloat>(ctx, [alpha](auto v) {
    const double x = v;
    return static_cast<decltype(v)>(x / (1.0 + std::exp(-alpha * x)));
  });
}

}  // namespace

void register_zenith_activations(KernelRegistry& registry) {
  registry.add("zenith", "Gelu", &gelu);
  registry.add("zenith", "Swish", &swish);
}

}  // namespace zenith::ref
