// Softmax, LogSoftmax and Hardmax (opset 13): along one axis, default the last.
#include <vector>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/softmax_util.h"

namespace zenith::ref {
namespace {

AxisSplit split_for(const KernelContext& ctx, const ir::Tensor& x) {
  const int64_t axis =
      ir::normalize_axis(ctx.attr<int64_t>("axis", -1), x.rank(), "attribute axis");
  return split_at_axis(x.dims(), axis);
}

void softmax_kernel(KernelContext& ctx, bool log) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "input 0");
  const AxisSplit split = split_for(ctx, x);
  const std::vector<double> in = load_as<double>(x, "input 0");
  std::vector<double> out(in.size());
  softmax_along(in.data(), out.data(), split, log);
  store_as(out.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
}

void softmax(KernelContext& ctx) { softmax_kernel(ctx, false); }
void log_softmax(KernelContext& ctx) { softmax_kernel(ctx, true); }

// 1 at the first maximum along the axis, 0 elsewhere.
void hardmax(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "input 0");
  const AxisSplit s = split_for(ctx, x);
  const std::vector<double> in = load_as<double>(x, "input 0");
  std::vector<double> out(in.size(), 0.0);
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      const int64_t base = o * s.extent * s.inner + i;
      int64_t best = 0;
      for (int64_t k = 1; k < s.extent; ++k)
        if (in[base + k * s.inner] > in[base + best * s.inner]) best = k;
      if (s.extent > 0) out[base + best * s.inner] = 1.0;
    }
  }
  store_as(out.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
}

}  // namespace

void register_softmax(KernelRegistry& registry) {
  registry.add("Hardmax", &hardmax);
  registry.add("LogSoftmax", &log_softmax);
  registry.add("Softmax", &softmax);
}

}  // namespace zenith::ref
