// Slice: strided windows along chosen axes, with ONNX's clamping of starts and ends.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

void slice(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto starts = ir::to_int64_vector(ctx.input(1), "input 'starts'");
  const auto ends = ir::to_int64_vector(ctx.input(2), "input 'ends'");
  const SliceWindow w = slice_window(x.dims(), starts, ends, optional_ints(ctx, 3, "input 'axes'"),
                                     optional_ints(ctx, 4, "input 'steps'"));
  const size_t rank = static_cast<size_t>(x.rank());
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), w.out);
  if (y.numel() == 0) return;
  const ir::Dims strides = ir::strides_of(x.dims());
  const ElementCopier copy(x, y);
  ir::Dims index(rank, 0);
  int64_t dst = 0;
  do {
    int64_t src = 0;
    for (size_t a = 0; a < rank; ++a) src += (w.first[a] + index[a] * w.step[a]) * strides[a];
    copy(src, dst++);
  } while (next_index(index, w.out));
}

}  // namespace

void register_slice(KernelRegistry& registry) { registry.add("Slice", &slice); }

}  // namespace zenith::ref
