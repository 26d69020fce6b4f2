// GlobalAveragePool and GlobalMaxPool: reduce all spatial axes of [N, C, D1, ...] to size 1.
#include <algorithm>
#include <cmath>
#include <limits>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/spatial_util.h"

namespace zenith::ref {
namespace {

void global_pool(KernelContext& ctx, bool max) {
  const ir::Tensor& x = ctx.input(0);
  check_spatial_input(x, "X");
  require_floating(x, "X");
  ir::Dims out_dims(x.dims().size(), 1);
  out_dims[0] = x.dim(0);
  out_dims[1] = x.dim(1);
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  const int64_t planes = x.dim(0) * x.dim(1);
  const int64_t size = planes == 0 ? 0 : x.numel() / planes;
  if (size == 0 && planes > 0)
    throw_invalid_argument("X has shape {}: the spatial axes are empty", ir::to_string(x.dims()));
  const std::vector<double> v = load_as<double>(x, "X");
  std::vector<double> out(static_cast<size_t>(planes));
  for (int64_t p = 0; p < planes; ++p) {
    const auto first = v.begin() + p * size;
    if (max) {
      // A NaN anywhere in the plane propagates, as in numpy's max.
      double best = -std::numeric_limits<double>::infinity();
      for (auto it = first; it != first + size; ++it)
        if (*it > best || std::isnan(*it)) best = *it;
      out[static_cast<size_t>(p)] = best;
    } else {
      double sum = 0;
      for (auto it = first; it != first + size; ++it) sum += *it;
      out[static_cast<size_t>(p)] = sum / static_cast<double>(size);
    }
  }
  store_as(out.data(), y);
}

void global_average_pool(KernelContext& ctx) { global_pool(ctx, false); }
void global_max_pool(KernelContext& ctx) { global_pool(ctx, true); }

}  // namespace

void register_global_pool(KernelRegistry& registry) {
  registry.add("GlobalAveragePool", &global_average_pool);
  registry.add("GlobalMaxPool", &global_max_pool);
}

}  // namespace zenith::ref
