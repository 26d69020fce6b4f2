// Expand (broadcast to a shape) and Tile (repeat along each axis).
#include "devices/reference/broadcast.h"
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

void expand(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto shape = ir::to_int64_vector(ctx.input(1), "input 'shape'");
  const ir::Dims out_dims = expand_dims(x.dims(), shape);
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  const BroadcastIndexer indexer(x.dims(), out_dims);
  const ElementCopier copy(x, y);
  for (int64_t i = 0; i < y.numel(); ++i) copy(indexer.offset(i), i);
}

void tile(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto repeats = ir::to_int64_vector(ctx.input(1), "input 'repeats'");
  const ir::Dims out_dims = tile_dims(x.dims(), repeats);
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  if (y.numel() == 0) return;
  const ir::Dims strides = ir::strides_of(x.dims());
  const ElementCopier copy(x, y);
  ir::Dims index(out_dims.size(), 0);
  int64_t dst = 0;
  do {
    int64_t src = 0;
    for (size_t a = 0; a < index.size(); ++a) src += (index[a] % x.dims()[a]) * strides[a];
    copy(src, dst++);
  } while (next_index(index, out_dims));
}

}  // namespace

void register_expand(KernelRegistry& registry) {
  registry.add("Expand", &expand);
  registry.add("Tile", &tile);
}

}  // namespace zenith::ref
