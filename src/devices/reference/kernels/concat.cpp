// Concat and Split: joining tensors along an axis and cutting one into pieces along it.
#include <algorithm>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void concat(KernelContext& ctx) {
  const ir::Tensor& first = ctx.input(0);
  if (first.rank() == 0) throw_invalid_argument("cannot concatenate scalars (rank-0 inputs)");
  const int64_t axis =
      ir::normalize_axis(ctx.attr<int64_t>("axis"), first.rank(), "attribute 'axis'");
  ir::Dims out_dims = first.dims();
  out_dims[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const ir::Tensor& x = ctx.input(i);
    bool ok = x.dtype() == first.dtype() && x.rank() == first.rank();
    for (int64_t d = 0; ok && d < x.rank(); ++d)
      ok = d == axis || x.dims()[static_cast<size_t>(d)] == first.dims()[static_cast<size_t>(d)];
    if (!ok)
      throw_invalid_argument("input {} is {}{}, incompatible with input 0 {}{} for axis {}", i,
                             ir::dtype_name(x.dtype()), ir::to_string(x.dims()),
                             ir::dtype_name(first.dtype()), ir::to_string(first.dims()), axis);
    out_dims[static_cast<size_t>(axis)] += x.dims()[static_cast<size_t>(axis)];
  }
  ir::Tensor& y = ctx.allocate_output(0, first.dtype(), out_dims);
  const AxisSplit out = split_at_axis(out_dims, axis);
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
  if (x.rank() == 0) throw_invalid_argument("cannot split a scalar (rank-0 input)");
  const int64_t axis =
      ir::normalize_axis(ctx.attr<int64_t>("axis", 0), x.rank(), "attribute 'axis'");
  const AxisSplit in = split_at_axis(x.dims(), axis);
  const auto count = static_cast<int64_t>(ctx.num_outputs());
  std::vector<int64_t> sizes;
  if (auto given = optional_ints(ctx, 1, "input 'split'")) {
    sizes = *given;
    int64_t total = 0;
    for (int64_t s : sizes) {
      if (s < 0)
        throw_invalid_argument("input 'split' [{}] has a negative size", fmt::join(sizes, ","));
      total += s;
    }
    if (static_cast<int64_t>(sizes.size()) != count || total != in.extent)
      throw_invalid_argument(
          "input 'split' [{}] must have {} entries summing to {} (axis {} of {})",
          fmt::join(sizes, ","), count, in.extent, axis, ir::to_string(x.dims()));
  } else {
    // Equal parts; when the axis does not divide evenly the last part is smaller (as opset 18).
    const int64_t part = (in.extent + count - 1) / count;
    for (int64_t i = 0; i < count; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(part, in.extent - i * part)));
    if (part * (count - 1) >= in.extent && in.extent > 0 && count > 1)
      throw_invalid_argument("cannot split axis {} of size {} into {} non-empty parts", axis,
                             in.extent, count);
  }
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
