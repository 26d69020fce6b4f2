// Pad: constant, reflect, edge and wrap padding; negative pads crop.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

void pad(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const PadMode mode = pad_mode(ctx.node());
  const auto pads = ir::to_int64_vector(ctx.input(1), "input 'pads'");
  const PadWindow w = pad_window(x.dims(), pads, optional_ints(ctx, 3, "input 'axes'"), mode);

  // A one-element tensor holding the fill value: the given constant_value or zero / "".
  ir::Tensor fill(x.dtype(), {1});
  if (ctx.has_input(2) && mode == PadMode::Constant) {
    const ir::Tensor& value = ctx.input(2);
    if (value.dtype() != x.dtype() || value.numel() > 1)
      throw_invalid_argument("input 'constant_value' must be one {} element, got {}{}",
                             ir::dtype_name(x.dtype()), ir::dtype_name(value.dtype()),
                             ir::to_string(value.dims()));
    if (value.numel() == 1) ElementCopier(value, fill)(0, 0);
  }

  const size_t rank = static_cast<size_t>(x.rank());
  const ir::Dims& begin = w.begin;
  const ir::Dims& out_dims = w.out;
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  if (y.numel() == 0) return;
  const ir::Dims strides = ir::strides_of(x.dims());
  const ElementCopier copy(x, y);
  const ElementCopier copy_fill(fill, y);
  ir::Dims index(rank, 0);
  int64_t dst = 0;
  do {
    int64_t src = 0;
    bool inside = true;
    for (size_t a = 0; a < rank; ++a) {
      int64_t c = index[a] - begin[a];
      if (c < 0 || c >= x.dims()[a]) {
        if (mode == PadMode::Constant) {
          inside = false;
          break;
        }
        c = pad_fold(c, x.dims()[a], mode);
      }
      src += c * strides[a];
    }
    if (inside)
      copy(src, dst);
    else
      copy_fill(0, dst);
    ++dst;
  } while (next_index(index, out_dims));
}

}  // namespace

void register_pad(KernelRegistry& registry) { registry.add("Pad", &pad); }

}  // namespace zenith::ref
