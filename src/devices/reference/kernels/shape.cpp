// Shape and Size: a tensor's dims and element count as i64 tensors.
#include <algorithm>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

void shape(KernelContext& ctx) {
  const std::vector<int64_t> dims = shape_values(ctx.node(), ctx.input(0).dims());
  ir::Tensor& y = ctx.allocate_output(0, ir::DType::I64, {static_cast<int64_t>(dims.size())});
  std::copy(dims.begin(), dims.end(), y.data<int64_t>());
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
