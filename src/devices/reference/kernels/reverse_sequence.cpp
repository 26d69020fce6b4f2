// ReverseSequence: reverses the first sequence_lens[b] steps along the time axis of each batch.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void reverse_sequence(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto lens = ir::to_int64_vector(ctx.input(1), "input 'sequence_lens'");
  const int64_t batch_axis = ctx.attr<int64_t>("batch_axis", 1);
  const int64_t time_axis = ctx.attr<int64_t>("time_axis", 0);
  if (x.rank() < 2)
    throw_invalid_argument("input must have rank >= 2, got {}", ir::to_string(x.dims()));
  if (!((batch_axis == 0 && time_axis == 1) || (batch_axis == 1 && time_axis == 0)))
    throw_invalid_model(
        "attributes 'batch_axis'={} and 'time_axis'={} must be 0 and 1 in some order", batch_axis,
        time_axis);
  const int64_t batch = x.dims()[static_cast<size_t>(batch_axis)];
  const int64_t steps = x.dims()[static_cast<size_t>(time_axis)];
  if (static_cast<int64_t>(lens.size()) != batch)
    throw_invalid_argument("input 'sequence_lens' has {} entries for a batch of {}", lens.size(),
                           batch);
  for (int64_t len : lens)
    if (len < 0 || len > steps)
      throw_invalid_argument("input 'sequence_lens' holds {}, expected 0..{}", len, steps);

  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), x.dims());
  const ElementCopier copy(x, y);
  const ir::Dims strides = ir::strides_of(x.dims());
  const int64_t inner = strides[1];  // elements per (dim0, dim1) position
  const int64_t batch_stride = strides[static_cast<size_t>(batch_axis)];
  const int64_t time_stride = strides[static_cast<size_t>(time_axis)];
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t len = lens[static_cast<size_t>(b)];
    for (int64_t t = 0; t < steps; ++t) {
      const int64_t src_t = t < len ? len - 1 - t : t;
      copy.copy(b * batch_stride + src_t * time_stride, b * batch_stride + t * time_stride, inner);
    }
  }
}

}  // namespace

void register_reverse_sequence(KernelRegistry& registry) {
  registry.add("ReverseSequence", &reverse_sequence);
}

}  // namespace zenith::ref
