// PRelu: x < 0 ? slope * x : x, with slope broadcast to X's shape (unidirectionally).
#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void prelu(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& slope = ctx.input(1);
  check_same_dtype(ctx, 0, 1);
  // Unidirectional: slope's dims, aligned right, are each 1 or X's.
  const ir::Dims& xd = x.dims();
  const ir::Dims& sd = slope.dims();
  bool broadcasts = sd.size() <= xd.size();
  for (size_t i = 0; broadcasts && i < sd.size(); ++i) {
    const int64_t s = sd[sd.size() - 1 - i];
    broadcasts = s == 1 || s == xd[xd.size() - 1 - i];
  }
  if (!broadcasts)
    throw_invalid_argument("slope of shape {} does not broadcast to X of shape {}",
                           ir::to_string(slope.dims()), ir::to_string(x.dims()));
  visit_class<kFloat | kInteger>(x, input_name(ctx, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_binary<T, T, T>(x, slope, ctx.allocate_output(0, x.dtype(), x.dims()),
                        [](auto v, auto s) { return v < 0 ? s * v : v; });
  });
}

}  // namespace

void register_prelu(KernelRegistry& registry) { registry.add("PRelu", &prelu); }

}  // namespace zenith::ref
