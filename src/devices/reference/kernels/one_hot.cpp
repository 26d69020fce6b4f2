// OneHot: expands indices into one-hot vectors along a new axis, using given off/on values.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void one_hot(KernelContext& ctx) {
  const ir::Tensor& indices = ctx.input(0);
  const ir::Tensor& depth_t = ctx.input(1);
  const ir::Tensor& values = ctx.input(2);
  if (depth_t.numel() != 1 || depth_t.dtype() == ir::DType::String)
    throw_invalid_argument("input 'depth' must hold one number, got {}{}",
                           ir::dtype_name(depth_t.dtype()), ir::to_string(depth_t.dims()));
  const int64_t depth = depth_t.as_int64(0);
  if (depth <= 0) throw_invalid_argument("input 'depth' is {}, expected a positive number", depth);
  if (values.numel() != 2)
    throw_invalid_argument("input 'values' must hold [off_value, on_value], got shape {}",
                           ir::to_string(values.dims()));
  const int64_t rank = indices.rank() + 1;
  int64_t axis = ctx.attr<int64_t>("axis", -1);
  if (axis < -rank || axis >= rank)
    throw_invalid_model("attribute 'axis'={} is out of range [{}, {}]", axis, -rank, rank - 1);
  if (axis < 0) axis += rank;

  ir::Dims out_dims = indices.dims();
  out_dims.insert(out_dims.begin() + axis, depth);
  // Output element (o, k, i) is on when index (o, i) equals k; (o, i) splits indices at `axis`.
  const AxisSplit s = split_at_axis(out_dims, axis);
  ir::Tensor& y = ctx.allocate_output(0, values.dtype(), out_dims);
  const ElementCopier copy(values, y);
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      int64_t hot = indices.as_int64(o * s.inner + i);
      if (hot < 0) hot += depth;  // out-of-range indices give an all-off vector
      for (int64_t k = 0; k < depth; ++k) copy(k == hot ? 1 : 0, (o * depth + k) * s.inner + i);
    }
  }
}

}  // namespace

void register_one_hot(KernelRegistry& registry) { registry.add("OneHot", &one_hot); }

}  // namespace zenith::ref
