// Selection by a mask: NonZero (coordinates of non-zero elements) and Compress (slices along an
// axis where a boolean condition holds).
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void nonzero(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  std::vector<int64_t> hits;
  ir::visit_numeric(x.dtype(), "NonZero", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = x.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i)
      if (src[i] != T(0)) hits.push_back(i);
  });
  // A scalar counts as a 1-D tensor of one element, as numpy's nonzero treats it.
  const ir::Dims dims = x.rank() == 0 ? ir::Dims{1} : x.dims();
  const auto rank = static_cast<int64_t>(dims.size());
  const auto count = static_cast<int64_t>(hits.size());
  ir::Tensor& y = ctx.allocate_output(0, ir::DType::I64, {rank, count});
  int64_t* out = y.data<int64_t>();
  for (int64_t j = 0; j < count; ++j) {
    const ir::Dims index = unravel_index(hits[static_cast<size_t>(j)], dims);
    for (int64_t a = 0; a < rank; ++a) out[a * count + j] = index[static_cast<size_t>(a)];
  }
}

void compress(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& condition = ctx.input(1);
  if (condition.dtype() != ir::DType::Bool || condition.rank() != 1)
    throw_invalid_argument("input 'condition' must be a 1-D bool tensor, got {}{}",
                           ir::dtype_name(condition.dtype()), ir::to_string(condition.dims()));
  // Without an axis the input is treated as flattened.
  const bool has_axis = ctx.node().has_attr("axis");
  const int64_t axis =
      has_axis ? ir::normalize_axis(ctx.attr<int64_t>("axis"), x.rank(), "attribute 'axis'") : 0;
  const ir::Dims in_dims = has_axis ? x.dims() : ir::Dims{x.numel()};
  const AxisSplit s = split_at_axis(in_dims, axis);
  std::vector<int64_t> selected;
  const bool* cond = condition.data<bool>();
  for (int64_t i = 0; i < condition.numel(); ++i) {
    if (!cond[i]) continue;
    if (i >= s.extent)
      throw_invalid_argument("input 'condition' selects index {}, but the axis has {} elements", i,
                             s.extent);
    selected.push_back(i);
  }
  ir::Dims out_dims = in_dims;
  out_dims[static_cast<size_t>(axis)] = static_cast<int64_t>(selected.size());
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  const ElementCopier copy(x, y);
  const auto count = static_cast<int64_t>(selected.size());
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t j = 0; j < count; ++j)
      copy.copy((o * s.extent + selected[static_cast<size_t>(j)]) * s.inner,
                (o * count + j) * s.inner, s.inner);
}

}  // namespace

void register_nonzero(KernelRegistry& registry) {
  registry.add("NonZero", &nonzero);
  registry.add("Compress", &compress);
}

}  // namespace zenith::ref
