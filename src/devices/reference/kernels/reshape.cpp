// Ops that only change the dims of a tensor (Reshape, Flatten, Squeeze, Unsqueeze) and Identity.
// Their outputs share the input's storage: IR tensors are immutable once produced.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

void reshape(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto shape = ir::to_int64_vector(ctx.input(1), "input 'shape'");
  const bool allow_zero = ctx.attr<int64_t>("allowzero", 0) != 0;
  ctx.set_output(0, x.reshaped(reshape_dims(x.dims(), shape, allow_zero)));
}

void flatten(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  ctx.set_output(0, x.reshaped(flatten_dims(x.dims(), ctx.attr<int64_t>("axis", 1))));
}

void squeeze(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  ctx.set_output(0, x.reshaped(squeeze_dims(x.dims(), optional_ints(ctx, 1, "input 'axes'"))));
}

void unsqueeze(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto axes = ir::to_int64_vector(ctx.input(1), "input 'axes'");
  ctx.set_output(0, x.reshaped(unsqueeze_dims(x.dims(), axes)));
}

// Identity also forwards sequences and optionals unchanged.
void identity(KernelContext& ctx) { ctx.set_output(0, ctx.input_value(0)); }

}  // namespace

void register_reshape(KernelRegistry& registry) {
  registry.add("Reshape", &reshape);
  registry.add("Flatten", &flatten);
  registry.add("Squeeze", &squeeze);
  registry.add("Unsqueeze", &unsqueeze);
  registry.add("Identity", &identity);
}

}  // namespace zenith::ref
