// Gather, GatherElements and GatherND: reading elements or blocks at index positions. Every index
// is validated before any element is copied.
#include <algorithm>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

void gather(KernelContext& ctx) {
  const ir::Tensor& data = ctx.input(0);
  const ir::Tensor& indices_t = ctx.input(1);
  const int64_t axis = gather_axis(data.dims(), ctx.attr<int64_t>("axis", 0));
  const AxisSplit s = split_at_axis(data.dims(), axis);
  std::vector<int64_t> indices = index_values(indices_t, "input 'indices'");
  for (int64_t& i : indices) i = checked_index(i, s.extent, "input 'indices'");

  ir::Tensor& y =
      ctx.allocate_output(0, data.dtype(), gather_dims(data.dims(), indices_t.dims(), axis));
  const ElementCopier copy(data, y);
  const auto count = static_cast<int64_t>(indices.size());
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t j = 0; j < count; ++j)
      copy.copy((o * s.extent + indices[static_cast<size_t>(j)]) * s.inner,
                (o * count + j) * s.inner, s.inner);
}

void gather_elements(KernelContext& ctx) {
  const ir::Tensor& data = ctx.input(0);
  const ir::Tensor& indices_t = ctx.input(1);
  const int64_t axis =
      gather_elements_axis(data.dims(), indices_t.dims(), ctx.attr<int64_t>("axis", 0));
  std::vector<int64_t> indices = index_values(indices_t, "input 'indices'");
  const int64_t extent = data.dims()[static_cast<size_t>(axis)];
  for (int64_t& i : indices) i = checked_index(i, extent, "input 'indices'");

  ir::Tensor& y = ctx.allocate_output(0, data.dtype(), indices_t.dims());
  if (y.numel() == 0) return;
  const ir::Dims strides = ir::strides_of(data.dims());
  const ElementCopier copy(data, y);
  ir::Dims index(indices_t.dims().size(), 0);
  int64_t j = 0;
  do {
    ir::Dims src = index;
    src[static_cast<size_t>(axis)] = indices[static_cast<size_t>(j)];
    copy(dot(src, strides), j++);
  } while (next_index(index, indices_t.dims()));
}

void gather_nd(KernelContext& ctx) {
  const ir::Tensor& data = ctx.input(0);
  const ir::Tensor& indices_t = ctx.input(1);
  const int64_t b = ctx.attr<int64_t>("batch_dims", 0);
  const int64_t r = data.rank();
  const int64_t q = indices_t.rank();
  if (b < 0 || b >= std::min(r, q))
    throw_invalid_model("attribute 'batch_dims'={} must be in [0, {})", b, std::min(r, q));
  const int64_t k = indices_t.dims().back();
  if (k < 1 || k > r - b)
    throw_invalid_argument("last dim of input 'indices' {} is {}, expected 1..{} for data {}",
                           ir::to_string(indices_t.dims()), k, r - b, ir::to_string(data.dims()));
  for (int64_t d = 0; d < b; ++d)
    if (data.dims()[static_cast<size_t>(d)] != indices_t.dims()[static_cast<size_t>(d)])
      throw_invalid_argument("batch dim {} differs: data {} vs indices {}", d,
                             ir::to_string(data.dims()), ir::to_string(indices_t.dims()));

  const ir::Dims data_strides = ir::strides_of(data.dims());
  int64_t batches = 1, block = 1;
  for (int64_t d = 0; d < b; ++d) batches *= data.dims()[static_cast<size_t>(d)];
  for (int64_t d = b + k; d < r; ++d) block *= data.dims()[static_cast<size_t>(d)];
  const int64_t batch_stride = b == 0 ? 0 : data_strides[static_cast<size_t>(b - 1)];
  const std::vector<int64_t> indices = index_values(indices_t, "input 'indices'");
  const auto tuples = static_cast<int64_t>(indices.size()) / k;
  const int64_t per_batch = batches == 0 ? 0 : tuples / batches;
  // Source offset of each index tuple, computed (and validated) before any copying.
  std::vector<int64_t> offsets(static_cast<size_t>(tuples));
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = (t / per_batch) * batch_stride;
    for (int64_t j = 0; j < k; ++j) {
      const size_t axis = static_cast<size_t>(b + j);
      offset += checked_index(indices[static_cast<size_t>(t * k + j)], data.dims()[axis],
                              "input 'indices'") *
                data_strides[axis];
    }
    offsets[static_cast<size_t>(t)] = offset;
  }

  ir::Dims out_dims(indices_t.dims().begin(), indices_t.dims().end() - 1);
  out_dims.insert(out_dims.end(), data.dims().begin() + b + k, data.dims().end());
  ir::Tensor& y = ctx.allocate_output(0, data.dtype(), out_dims);
  const ElementCopier copy(data, y);
  for (int64_t t = 0; t < tuples; ++t) copy.copy(offsets[static_cast<size_t>(t)], t * block, block);
}

}  // namespace

void register_gather(KernelRegistry& registry) {
  registry.add("Gather", &gather);
  registry.add("GatherElements", &gather_elements);
  registry.add("GatherND", &gather_nd);
}

}  // namespace zenith::ref
