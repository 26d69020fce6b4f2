// Where: condition ? X : Y elementwise, all three broadcast together.
#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void where(KernelContext& ctx) {
  const ir::Tensor& condition = ctx.input(0);
  const ir::Tensor& x = ctx.input(1);
  const ir::Tensor& y = ctx.input(2);
  check_dtype_class(condition, input_name(ctx, 0), kBool);
  check_same_dtype(ctx, 1, 2);
  const ir::Dims dims =
      ir::broadcast_dims(condition.dims(), ir::broadcast_dims(x.dims(), y.dims()));
  visit_class<kAnyDType>(x, input_name(ctx, 1), [&](auto tag) {
    using T = typename decltype(tag)::type;
    ir::Tensor& out = ctx.allocate_output(0, x.dtype(), dims);
    const BroadcastIndexer index_c(condition.dims(), dims);
    const BroadcastIndexer index_x(x.dims(), dims);
    const BroadcastIndexer index_y(y.dims(), dims);
    const bool* c = condition.data<bool>();
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* dst = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i)
      dst[i] = c[index_c.offset(i)] ? px[index_x.offset(i)] : py[index_y.offset(i)];
  });
}

}  // namespace

void register_where(KernelRegistry& registry) { registry.add("Where", &where); }

}  // namespace zenith::ref
