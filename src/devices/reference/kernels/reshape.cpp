// Ops that only change the dims of a tensor (Reshape, Flatten, Squeeze, Unsqueeze) and Identity.
// Their outputs share the input's storage: IR tensors are immutable once produced.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

ir::Dims reshape_dims(const ir::Dims& in, const std::vector<int64_t>& shape, bool allow_zero) {
  ir::Dims out(shape.size());
  int64_t inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (d == 0 && !allow_zero) {
      if (i >= in.size())
        throw_invalid_argument("'shape'[{}] is 0 (copy the input dim) but the input {} has rank {}",
                               i, ir::to_string(in), in.size());
      d = in[i];
    } else if (d == -1) {
      if (inferred >= 0)
        throw_invalid_argument("'shape' {} has more than one -1", fmt::join(shape, ","));
      inferred = static_cast<int64_t>(i);
      continue;
    } else if (d < -1) {
      throw_invalid_argument("'shape'[{}] is {}; dims must be >= -1", i, d);
    }
    out[i] = d;
    if (__builtin_mul_overflow(known, d, &known))
      throw_invalid_argument("'shape' [{}] overflows int64", fmt::join(shape, ","));
  }
  const int64_t numel = ir::checked_numel(in, "Reshape input");
  if (inferred >= 0) {
    if (known == 0 || numel % known != 0)
      throw_invalid_argument(
          "cannot infer the -1 dim of 'shape' [{}] for an input {} of {} elements",
          fmt::join(shape, ","), ir::to_string(in), numel);
    out[static_cast<size_t>(inferred)] = numel / known;
  }
  if (ir::checked_numel(out, "Reshape output") != numel)
    throw_invalid_argument("'shape' [{}] gives {} of {} elements, but the input {} has {}",
                           fmt::join(shape, ","), ir::to_string(out), ir::checked_numel(out),
                           ir::to_string(in), numel);
  return out;
}

void reshape(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto shape = ir::to_int64_vector(ctx.input(1), "input 'shape'");
  const bool allow_zero = ctx.attr<int64_t>("allowzero", 0) != 0;
  ctx.set_output(0, x.reshaped(reshape_dims(x.dims(), shape, allow_zero)));
}

void flatten(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  int64_t axis = ctx.attr<int64_t>("axis", 1);
  if (axis < -x.rank() || axis > x.rank())
    throw_invalid_model("attribute 'axis'={} is out of range [{}, {}] for an input of rank {}",
                        axis, -x.rank(), x.rank(), x.rank());
  if (axis < 0) axis += x.rank();
  const AxisSplit s = split_at_axis(x.dims(), axis);
  ctx.set_output(0, x.reshaped({s.outer, s.extent * s.inner}));
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
