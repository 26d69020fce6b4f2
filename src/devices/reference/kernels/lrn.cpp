// LRN: local response normalization across neighbouring channels.
#include <algorithm>
#include <cmath>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

void lrn(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "X");
  if (x.rank() < 3)
    throw_invalid_argument("X has shape {}, expected [N, C, D1, ...]", ir::to_string(x.dims()));
  const int64_t size = ctx.attr<int64_t>("size");
  if (size < 1) throw_invalid_model("attribute 'size' = {}, expected >= 1", size);
  const double alpha = ctx.attr<float>("alpha", 1e-4f);
  const double beta = ctx.attr<float>("beta", 0.75f);
  const double bias = ctx.attr<float>("bias", 1.0f);
  const int64_t batch = x.dim(0), channels = x.dim(1);
  const int64_t inner = batch * channels == 0 ? 0 : x.numel() / (batch * channels);
  const std::vector<double> xv = load_as<double>(x, "X");
  std::vector<double> y(xv.size());
  // The window over channels is [c - floor((size-1)/2), c + ceil((size-1)/2)].
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        double square_sum = 0;
        for (int64_t k = std::max<int64_t>(0, c - before); k <= std::min(channels - 1, c + after);
             ++k) {
          const double v = xv[static_cast<size_t>((n * channels + k) * inner + i)];
          square_sum += v * v;
        }
        const size_t at = static_cast<size_t>((n * channels + c) * inner + i);
        y[at] = xv[at] / std::pow(bias + alpha / static_cast<double>(size) * square_sum, beta);
      }
  store_as(y.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
}

}  // namespace

void register_lrn(KernelRegistry& registry) { registry.add("LRN", &lrn); }

}  // namespace zenith::ref
