// SplitToSequence and ConcatFromSequence: between one tensor and a sequence of its pieces.
#include "devices/reference/kernel_registry.h"
#include "devices/reference/tensor_list_util.h"

namespace zenith::ref {
namespace {

// The piece lengths along an axis of `extent` elements that the `split` input asks for.
std::vector<int64_t> piece_lengths(const ir::Tensor& split, int64_t extent) {
  if (!ir::is_integer(split.dtype()) || split.rank() > 1)
    throw_invalid_argument(
        "input 'split' must be an integer scalar or 1-D tensor, got {} tensor "
        "of shape {}",
        ir::dtype_name(split.dtype()), ir::to_string(split.dims()));
  std::vector<int64_t> lengths;
  if (split.rank() == 0) {
    const int64_t chunk = split.as_int64(0);
    if (chunk <= 0) throw_invalid_argument("input 'split' is {}, expected a positive size", chunk);
    for (int64_t start = 0; start < extent; start += chunk)
      lengths.push_back(std::min(chunk, extent - start));
    return lengths;
  }
  int64_t total = 0;
  for (int64_t i = 0; i < split.numel(); ++i) {
    lengths.push_back(split.as_int64(i));
    if (lengths.back() < 0)
      throw_invalid_argument("input 'split' holds {} at {}, expected sizes >= 0", lengths.back(),
                             i);
    total += lengths.back();
  }
  if (total != extent)
    throw_invalid_argument("input 'split' sums to {}, but the axis has {} elements", total, extent);
  return lengths;
}

void split_to_sequence(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const int64_t axis =
      ir::normalize_axis(ctx.attr<int64_t>("axis", 0), x.rank(), "attribute 'axis'");
  const int64_t extent = x.dims()[static_cast<size_t>(axis)];
  ir::TensorSequence seq;
  seq.elem_dtype = x.dtype();
  if (ctx.has_input(1)) {
    int64_t start = 0;
    for (int64_t length : piece_lengths(ctx.input(1), extent)) {
      seq.items.push_back(slice_axis(x, axis, start, length));
      start += length;
    }
  } else {
    // Without `split` every piece has length 1, and keepdims=0 drops the split axis.
    const bool keepdims = ctx.attr<int64_t>("keepdims", 1) != 0;
    ir::Dims dims = x.dims();
    if (keepdims)
      dims[static_cast<size_t>(axis)] = 1;
    else
      dims.erase(dims.begin() + axis);
    for (int64_t i = 0; i < extent; ++i)
      seq.items.push_back(slice_axis(x, axis, i, 1).reshaped(dims));
  }
  ctx.set_output(0, std::move(seq));
}

void concat_from_sequence(KernelContext& ctx) {
  const ir::TensorSequence& seq = ctx.input_value(0).sequence("input 'input_sequence'");
  if (seq.items.empty()) throw_invalid_argument("input 'input_sequence' is empty");
  const bool new_axis = ctx.attr<int64_t>("new_axis", 0) != 0;
  const int64_t rank = seq.items.front().rank() + (new_axis ? 1 : 0);
  if (rank == 0) throw_invalid_argument("cannot concatenate scalars without new_axis=1");
  const int64_t axis = ir::normalize_axis(ctx.attr<int64_t>("axis"), rank, "attribute 'axis'");
  ctx.set_output(0, join_along_axis(seq.items, axis, new_axis, "input 'input_sequence'"));
}

}  // namespace

void register_sequence_split_concat(KernelRegistry& registry) {
  registry.add("SplitToSequence", &split_to_sequence);
  registry.add("ConcatFromSequence", &concat_from_sequence);
}

}  // namespace zenith::ref
