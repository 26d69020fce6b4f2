// TopK: the k largest (or smallest) elements along an axis and their indices; equal values keep
// the lower index first.
#include <algorithm>
#include <numeric>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void top_k(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  if (x.rank() == 0) throw_invalid_argument("input 'X' must have rank >= 1, got a scalar");
  const auto k_values = ir::to_int64_vector(ctx.input(1), "input 'K'");
  if (k_values.size() != 1)
    throw_invalid_argument("input 'K' must hold one value, got {}", k_values.size());
  const int64_t axis =
      ir::normalize_axis(ctx.attr<int64_t>("axis", -1), x.rank(), "attribute 'axis'");
  const bool largest = ctx.attr<int64_t>("largest", 1) != 0;
  const AxisSplit s = split_at_axis(x.dims(), axis);
  const int64_t k = k_values[0];
  if (k < 0 || k > s.extent)
    throw_invalid_argument("input 'K' is {}, expected 0..{} (axis {} of {})", k, s.extent, axis,
                           ir::to_string(x.dims()));
  ir::Dims out_dims = x.dims();
  out_dims[static_cast<size_t>(axis)] = k;
  ir::Tensor& values = ctx.allocate_output(0, x.dtype(), out_dims);
  ir::Tensor& indices = ctx.allocate_output(1, ir::DType::I64, out_dims);
  // Results are always sorted: a valid answer for sorted=0 too, where ONNX leaves order open.
  ir::visit_numeric(x.dtype(), "TopK", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = x.data<T>();
    T* out_values = values.data<T>();
    int64_t* out_indices = indices.data<int64_t>();
    std::vector<int64_t> order(static_cast<size_t>(s.extent));
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t i = 0; i < s.inner; ++i) {
        auto at = [&](int64_t j) { return src[(o * s.extent + j) * s.inner + i]; };
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          return largest ? nan_last_less(at(b), at(a)) : nan_last_less(at(a), at(b));
        });
        for (int64_t j = 0; j < k; ++j) {
          const int64_t dst = (o * k + j) * s.inner + i;
          out_values[dst] = at(order[static_cast<size_t>(j)]);
          out_indices[dst] = order[static_cast<size_t>(j)];
        }
      }
    }
  });
}

}  // namespace

void register_top_k(KernelRegistry& registry) { registry.add("TopK", &top_k); }

}  // namespace zenith::ref
