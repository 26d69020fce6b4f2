// ScatterElements and ScatterND: a copy of `data` with `updates` written (or reduced with add,
// mul, max, min) at index positions. All indices are validated before the output is touched.
#include <algorithm>
#include <type_traits>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/scatter_util.h"

namespace zenith::ref {
namespace {

// y[dst[j] + i] (reduction)= updates[src[j] + i] for i in [0, block): the one write loop both
// ops share, so the reduction dispatch exists once.
void write_blocks(const ir::Tensor& updates, ir::Tensor& y, const std::vector<int64_t>& src,
                  const std::vector<int64_t>& dst, int64_t block, Reduction reduction) {
  if (reduction == Reduction::None) {
    const ElementCopier copy(updates, y);
    for (size_t j = 0; j < dst.size(); ++j) copy.copy(src[j], dst[j], block);
    return;
  }
  ir::visit_numeric(y.dtype(), "Scatter with a reduction", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = std::conditional_t<std::is_same_v<T, ir::Float16> || std::is_same_v<T, ir::BFloat16>,
                                 float, T>;
    const T* u = updates.data<T>();
    T* out = y.data<T>();
    for (size_t j = 0; j < dst.size(); ++j)
      for (int64_t i = 0; i < block; ++i)
        out[dst[j] + i] = T(combined(C(out[dst[j] + i]), C(u[src[j] + i]), reduction));
  });
}

void scatter_elements(KernelContext& ctx) {
  const ir::Tensor& data = ctx.input(0);
  const ir::Tensor& indices_t = ctx.input(1);
  const ir::Tensor& updates = ctx.input(2);
  const Reduction reduction = scatter_reduction(ctx.node());
  check_updates_dtype(data.dtype(), updates.dtype());
  const int64_t axis = scatter_elements_axis(data.dims(), indices_t.dims(), updates.dims(),
                                             ctx.attr<int64_t>("axis", 0));
  const std::vector<int64_t> indices = index_values(indices_t, "input 'indices'");
  const ir::Dims strides = ir::strides_of(data.dims());
  std::vector<int64_t> src(indices.size()), dst(indices.size());
  ir::Dims index(indices_t.dims().size(), 0);
  const auto a = static_cast<size_t>(axis);
  for (size_t j = 0; j < indices.size(); ++j, next_index(index, indices_t.dims())) {
    // Element j's index with its `axis` coordinate replaced (no copy of the index per element:
    // Faster R-CNN's RoI pooler scatters 2.5 million).
    const int64_t at = checked_index(indices[j], data.dims()[a], "input 'indices'");
    src[j] = static_cast<int64_t>(j);
    dst[j] = dot(index, strides) + (at - index[a]) * strides[a];
  }
  ir::Tensor y = data.clone();
  write_blocks(updates, y, src, dst, 1, reduction);
  ctx.set_output(0, y);
}

void scatter_nd(KernelContext& ctx) {
  const ir::Tensor& data = ctx.input(0);
  const ir::Tensor& indices_t = ctx.input(1);
  const ir::Tensor& updates = ctx.input(2);
  const Reduction reduction = scatter_reduction(ctx.node());
  check_updates_dtype(data.dtype(), updates.dtype());
  const int64_t k = indices_t.rank() == 0 ? 0 : indices_t.dims().back();
  if (k < 1 || k > data.rank())
    throw_invalid_argument("input 'indices' {} must have rank >= 1 and a last dim in 1..{}",
                           ir::to_string(indices_t.dims()), data.rank());
  ir::Dims expected(indices_t.dims().begin(), indices_t.dims().end() - 1);
  expected.insert(expected.end(), data.dims().begin() + k, data.dims().end());
  if (updates.dims() != expected)
    throw_invalid_argument("input 'updates' is {}, expected {} for data {} and indices {}",
                           ir::to_string(updates.dims()), ir::to_string(expected),
                           ir::to_string(data.dims()), ir::to_string(indices_t.dims()));
  const ir::Dims strides = ir::strides_of(data.dims());
  const int64_t block = strides[static_cast<size_t>(k - 1)];  // elements after the indexed axes
  const std::vector<int64_t> indices = index_values(indices_t, "input 'indices'");
  const size_t tuples = indices.size() / static_cast<size_t>(k);
  std::vector<int64_t> src(tuples), dst(tuples);
  for (size_t t = 0; t < tuples; ++t) {
    int64_t offset = 0;
    for (size_t j = 0; j < static_cast<size_t>(k); ++j)
      offset += checked_index(indices[t * static_cast<size_t>(k) + j], data.dims()[j],
                              "input 'indices'") *
                strides[j];
    src[t] = static_cast<int64_t>(t) * block;
    dst[t] = offset;
  }
  ir::Tensor y = data.clone();
  write_blocks(updates, y, src, dst, block, reduction);
  ctx.set_output(0, y);
}

}  // namespace

void register_scatter(KernelRegistry& registry) {
  registry.add("ScatterElements", &scatter_elements);
  registry.add("ScatterND", &scatter_nd);
}

}  // namespace zenith::ref
