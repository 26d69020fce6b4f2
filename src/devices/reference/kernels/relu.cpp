// Relu: max(x, 0); zenith.ReluGrad(Y, dY) -> dX, its gradient from its output: dY where Y > 0,
// else 0 (autograd's Relu rule, src/train).
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

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

void relu_grad(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);  // Relu's Y: positive where its X is
  const ir::Tensor& dy = ctx.input(1);
  require_floating(x, "Y");
  require_same_dtype(dy, "dY", x, "Y");
  if (dy.dims() != x.dims())
    throw_invalid_argument("dY has shape {}, Y {}; expected the same", ir::to_string(dy.dims()),
                           ir::to_string(x.dims()));
  ir::Tensor& dx = ctx.allocate_output(0, x.dtype(), x.dims());
  ir::visit_numeric(x.dtype(), "ReluGrad", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *src = x.data<T>(), *grad = dy.data<T>();
    T* dst = dx.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i) dst[i] = float(src[i]) > 0 ? grad[i] : T(0);
  });
}

}  // namespace

void register_relu(KernelRegistry& registry) {
  registry.add("Relu", &relu);
  registry.add("zenith", "ReluGrad", &relu_grad);
}

}  // namespace zenith::ref
