// CumSum: running sums along an axis, optionally exclusive and/or from the end.
#include <type_traits>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void cum_sum(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  if (x.rank() == 0) throw_invalid_argument("input must have rank >= 1, got a scalar");
  const int64_t axis =
      ir::normalize_axis(scalar_int(ctx.input(1), "input 'axis'"), x.rank(), "input 'axis'");
  const bool exclusive = ctx.attr<int64_t>("exclusive", 0) != 0;
  const bool reverse = ctx.attr<int64_t>("reverse", 0) != 0;
  const AxisSplit s = split_at_axis(x.dims(), axis);
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), x.dims());
  ir::visit_numeric(x.dtype(), "CumSum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Half types accumulate in float so that rounding happens once per output, not per step.
    using Acc =
        std::conditional_t<std::is_same_v<T, ir::Float16> || std::is_same_v<T, ir::BFloat16>, float,
                           T>;
    const T* src = x.data<T>();
    T* dst = y.data<T>();
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t i = 0; i < s.inner; ++i) {
        Acc sum = Acc(0);
        for (int64_t step = 0; step < s.extent; ++step) {
          const int64_t k = reverse ? s.extent - 1 - step : step;
          const int64_t at = (o * s.extent + k) * s.inner + i;
          if (exclusive) {
            dst[at] = T(sum);
            sum = Acc(sum + Acc(src[at]));
          } else {
            sum = Acc(sum + Acc(src[at]));
            dst[at] = T(sum);
          }
        }
      }
    }
  });
}

}  // namespace

void register_cum_sum(KernelRegistry& registry) { registry.add("CumSum", &cum_sum); }

}  // namespace zenith::ref
