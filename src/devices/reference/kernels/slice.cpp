// Slice: strided windows along chosen axes, with ONNX's clamping of starts and ends.
#include <algorithm>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void slice(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto starts = ir::to_int64_vector(ctx.input(1), "input 'starts'");
  const auto ends = ir::to_int64_vector(ctx.input(2), "input 'ends'");
  const size_t n = starts.size();
  std::vector<int64_t> axes(n);
  for (size_t i = 0; i < n; ++i) axes[i] = static_cast<int64_t>(i);
  if (auto given = optional_ints(ctx, 3, "input 'axes'")) axes = *given;
  std::vector<int64_t> steps(n, 1);
  if (auto given = optional_ints(ctx, 4, "input 'steps'")) steps = *given;
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    throw_invalid_argument(
        "inputs 'starts', 'ends', 'axes', 'steps' must have equal lengths, got "
        "{}, {}, {}, {}",
        n, ends.size(), axes.size(), steps.size());
  axes = normalize_axes(axes, x.rank(), "input 'axes'");

  // Per input axis: first index, step and output extent. Untouched axes keep everything.
  const size_t rank = static_cast<size_t>(x.rank());
  ir::Dims first(rank, 0), step(rank, 1), out_dims = x.dims();
  for (size_t i = 0; i < n; ++i) {
    const size_t axis = static_cast<size_t>(axes[i]);
    const int64_t dim = x.dims()[axis];
    const int64_t s = steps[i];
    if (s == 0) throw_invalid_argument("input 'steps'[{}] is 0", i);
    if (dim == 0) {
      out_dims[axis] = 0;
      continue;
    }
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    // Positive steps clamp to [0, dim]; negative ones to [0, dim-1] (start) and [-1, dim-1]
    // (end) so that a full reverse ends before index 0.
    if (s > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    const int64_t span = s > 0 ? end - start : start - end;
    const int64_t abs_step = s > 0 ? s : -s;
    first[axis] = start;
    step[axis] = s;
    out_dims[axis] = span <= 0 ? 0 : (span + abs_step - 1) / abs_step;
  }

  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  if (y.numel() == 0) return;
  const ir::Dims strides = ir::strides_of(x.dims());
  const ElementCopier copy(x, y);
  ir::Dims index(rank, 0);
  int64_t dst = 0;
  do {
    int64_t src = 0;
    for (size_t a = 0; a < rank; ++a) src += (first[a] + index[a] * step[a]) * strides[a];
    copy(src, dst++);
  } while (next_index(index, out_dims));
}

}  // namespace

void register_slice(KernelRegistry& registry) { registry.add("Slice", &slice); }

}  // namespace zenith::ref
