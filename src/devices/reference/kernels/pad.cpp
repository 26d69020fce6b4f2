// Pad: constant, reflect, edge and wrap padding; negative pads crop.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

enum class Mode { Constant, Reflect, Edge, Wrap };

Mode mode_of(const KernelContext& ctx) {
  const std::string mode = ctx.attr<std::string>("mode", "constant");
  if (mode == "constant") return Mode::Constant;
  if (mode == "reflect") return Mode::Reflect;
  if (mode == "edge") return Mode::Edge;
  if (mode == "wrap") return Mode::Wrap;
  throw_invalid_model("attribute 'mode' is '{}', expected constant, reflect, edge or wrap", mode);
}

// Maps a coordinate outside [0, dim) back inside it. REQUIRES: dim > 0.
int64_t fold_index(int64_t c, int64_t dim, Mode mode) {
  if (mode == Mode::Edge) return c < 0 ? 0 : dim - 1;
  if (mode == Mode::Wrap) return ((c % dim) + dim) % dim;
  if (dim == 1) return 0;
  // Reflection without repeating the edge has period 2 * (dim - 1).
  const int64_t period = 2 * (dim - 1);
  const int64_t m = ((c % period) + period) % period;
  return m < dim ? m : period - m;
}

void pad(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const Mode mode = mode_of(ctx);
  const auto pads = ir::to_int64_vector(ctx.input(1), "input 'pads'");
  std::vector<int64_t> axes(static_cast<size_t>(x.rank()));
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  if (auto given = optional_ints(ctx, 3, "input 'axes'"))
    axes = normalize_axes(*given, x.rank(), "input 'axes'");
  if (pads.size() != 2 * axes.size())
    throw_invalid_argument(
        "input 'pads' has {} entries, expected {} (begin and end for each of {} "
        "axes)",
        pads.size(), 2 * axes.size(), axes.size());

  // A one-element tensor holding the fill value: the given constant_value or zero / "".
  ir::Tensor fill(x.dtype(), {1});
  if (ctx.has_input(2) && mode == Mode::Constant) {
    const ir::Tensor& value = ctx.input(2);
    if (value.dtype() != x.dtype() || value.numel() > 1)
      throw_invalid_argument("input 'constant_value' must be one {} element, got {}{}",
                             ir::dtype_name(x.dtype()), ir::dtype_name(value.dtype()),
                             ir::to_string(value.dims()));
    if (value.numel() == 1) ElementCopier(value, fill)(0, 0);
  }

  const size_t rank = static_cast<size_t>(x.rank());
  ir::Dims begin(rank, 0), out_dims = x.dims();
  for (size_t i = 0; i < axes.size(); ++i) {
    const size_t axis = static_cast<size_t>(axes[i]);
    begin[axis] = pads[i];
    const bool overflow =
        __builtin_add_overflow(out_dims[axis], pads[i], &out_dims[axis]) ||
        __builtin_add_overflow(out_dims[axis], pads[i + axes.size()], &out_dims[axis]);
    if (overflow || out_dims[axis] < 0)
      throw_invalid_argument(
          "input 'pads' [{}] gives axis {} of input {} a negative or overflowing size",
          fmt::join(pads, ","), axis, ir::to_string(x.dims()));
    if (mode != Mode::Constant && x.dims()[axis] == 0 && out_dims[axis] > 0)
      throw_invalid_argument("cannot pad empty axis {} of input {} in a non-constant mode", axis,
                             ir::to_string(x.dims()));
  }

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
        if (mode == Mode::Constant) {
          inside = false;
          break;
        }
        c = fold_index(c, x.dims()[a], mode);
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
