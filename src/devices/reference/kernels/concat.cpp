// Concat and Split: joining tensors along an axis and cutting one into pieces along it.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

void concat(KernelContext& ctx) {
  const ir::Tensor& first = ctx.input(0);
  const ConcatShape shape = concat_shape(
      ctx.num_inputs(), [&](size_t i) { return ctx.input(i).dtype(); },
      [&](size_t i) { return ctx.input(i).dims(); }, ctx.attr<int64_t>("axis"));
  const int64_t axis = shape.axis;
  ir::Tensor& y = ctx.allocate_output(0, first.dtype(), shape.out);
  const AxisSplit out = split_at_axis(shape.out, axis);
  int64_t offset = 0;  // start of the current input along the axis
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const ir::Tensor& x = ctx.input(i);
    const int64_t block = x.dims()[static_cast<size_t>(axis)] * out.inner;
    const ElementCopier copy(x, y);
    for (int64_t o = 0; o < out.outer; ++o)
      copy.copy(o * block, (o * out.extent + offset) * out.inner, block);
    offset += x.dims()[static_cast<size_t>(axis)];
  }
}

void split(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const int64_t axis = split_axis(x.dims(), ctx.attr<int64_t>("axis", 0));
  const AxisSplit in = split_at_axis(x.dims(), axis);
  const auto count = static_cast<int64_t>(ctx.num_outputs());
  const std::vector<int64_t> sizes =
      split_sizes(x.dims(), axis, count, optional_ints(ctx, 1, "input 'split'"));
  int64_t offset = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t size = sizes[static_cast<size_t>(i)];
    ir::Dims dims = x.dims();
    dims[static_cast<size_t>(axis)] = size;
    if (ctx.has_output(static_cast<size_t>(i))) {
      ir::Tensor& y = ctx.allocate_output(static_cast<size_t>(i), x.dtype(), dims);
      const ElementCopier copy(x, y);
      for (int64_t o = 0; o < in.outer; ++o)
        copy.copy((o * in.extent + offset) * in.inner, o * size * in.inner, size * in.inner);
    }
    offset += size;
  }
}

}  // namespace

void register_concat(KernelRegistry& registry) {
  registry.add("Concat", &concat);
  registry.add("Split", &split);
}

}  // namespace zenith::ref
