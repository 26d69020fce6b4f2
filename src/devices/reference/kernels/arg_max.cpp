// ArgMax and ArgMin: the index of the largest / smallest element along an axis.
#include <algorithm>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

template <bool kMax>
void arg_extreme(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const int64_t rank = std::max<int64_t>(x.rank(), 1);
  const int64_t axis = ir::normalize_axis(ctx.attr<int64_t>("axis", 0), rank, "attribute 'axis'");
  const bool keepdims = ctx.attr<int64_t>("keepdims", 1) != 0;
  const bool last = ctx.attr<int64_t>("select_last_index", 0) != 0;
  const ir::Dims dims = x.rank() == 0 ? ir::Dims{1} : x.dims();
  const AxisSplit s = split_at_axis(dims, axis);
  if (s.extent == 0)
    throw_invalid_argument("cannot reduce empty axis {} of input {}", axis,
                           ir::to_string(x.dims()));
  ir::Dims out_dims = dims;
  if (keepdims)
    out_dims[static_cast<size_t>(axis)] = 1;
  else
    out_dims.erase(out_dims.begin() + axis);
  ir::Tensor& y = ctx.allocate_output(0, ir::DType::I64, out_dims);
  int64_t* out = y.data<int64_t>();
  ir::visit_numeric(x.dtype(), kMax ? "ArgMax" : "ArgMin", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = x.data<T>();
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t i = 0; i < s.inner; ++i) {
        int64_t best = 0;
        for (int64_t k = 1; k < s.extent; ++k) {
          const T a = src[(o * s.extent + k) * s.inner + i];
          const T b = src[(o * s.extent + best) * s.inner + i];
          // NaN wins and the first one is kept, as in numpy's argmax / argmin.
          if (b != b) break;
          const bool better = (a != a) || (kMax ? b < a : a < b) || (last && !(a < b) && !(b < a));
          if (better) best = k;
        }
        out[o * s.inner + i] = best;
      }
    }
  });
}

}  // namespace

void register_arg_max(KernelRegistry& registry) {
  registry.add("ArgMax", &arg_extreme<true>);
  registry.add("ArgMin", &arg_extreme<false>);
}

}  // namespace zenith::ref
