// Shape and Size: a tensor's dims and element count as i64 tensors.
#include <algorithm>

#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void shape(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const int64_t rank = x.rank();
  // Opset 15: negative start/end count from the end; both clamp to [0, rank].
  auto clamp_axis = [rank](int64_t a) {
    return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank);
  };
  const int64_t start = clamp_axis(ctx.attr<int64_t>("start", 0));
  const int64_t end = clamp_axis(ctx.attr<int64_t>("end", rank));
  const int64_t count = std::max<int64_t>(0, end - start);
  ir::Tensor& y = ctx.allocate_output(0, ir::DType::I64, {count});
  for (int64_t i = 0; i < count; ++i)
    y.data<int64_t>()[i] = x.dims()[static_cast<size_t>(start + i)];
}

void size(KernelContext& ctx) {
  ctx.set_output(0, ir::Tensor::scalar<int64_t>(ctx.input(0).numel()));
}

}  // namespace

void register_shape(KernelRegistry& registry) {
  registry.add("Shape", &shape);
  registry.add("Size", &size);
}

}  // namespace zenith::ref
