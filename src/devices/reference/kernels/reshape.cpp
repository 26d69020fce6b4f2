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
  std::vector<bool> drop(static_cast<size_t>(x.rank()), false);
  if (auto axes = optional_ints(ctx, 1, "input 'axes'")) {
    for (int64_t axis : normalize_axes(*axes, x.rank(), "input 'axes'")) {
      if (x.dims()[static_cast<size_t>(axis)] != 1)
        throw_invalid_argument("cannot squeeze axis {} of input {}: its size is not 1", axis,
                               ir::to_string(x.dims()));
      drop[static_cast<size_t>(axis)] = true;
    }
  } else {
    for (size_t i = 0; i < drop.size(); ++i) drop[i] = x.dims()[i] == 1;
  }
  ir::Dims out;
  for (size_t i = 0; i < drop.size(); ++i)
    if (!drop[i]) out.push_back(x.dims()[i]);
  ctx.set_output(0, x.reshaped(out));
}

void unsqueeze(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto axes = ir::to_int64_vector(ctx.input(1), "input 'axes'");
  const int64_t rank = x.rank() + static_cast<int64_t>(axes.size());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t axis : normalize_axes(axes, rank, "input 'axes'"))
    inserted[static_cast<size_t>(axis)] = true;
  ir::Dims out;
  size_t next = 0;
  for (size_t i = 0; i < inserted.size(); ++i) out.push_back(inserted[i] ? 1 : x.dims()[next++]);
  ctx.set_output(0, x.reshaped(out));
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
