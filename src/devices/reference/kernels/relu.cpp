// Relu: max(x, 0).
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void relu(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), x.dims());
  ir::visit_numeric(x.dtype(), "Relu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = x.data<T>();
    T* dst = y.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i) dst[i] = float(src[i]) > 0 ? src[i] : T(0);
  });
}

}  // namespace

void register_relu(KernelRegistry& registry) { registry.add("Relu", &relu); }

}  // namespace zenith::ref
