// Conv: N-d grouped convolution with strides, dilations, pads / auto_pad and optional bias.
#include <vector>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/spatial_util.h"

namespace zenith::ref {
namespace {

void conv(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& w = ctx.input(1);
  require_floating(x, "X");
  require_same_dtype(w, "W", x, "X");
  check_spatial_input(x, "X");
  const int64_t group = ctx.attr<int64_t>("group", 1);
  check_conv_channels(x, w, group);
  const int64_t m = w.dim(0);
  const ir::Dims in(x.dims().begin() + 2, x.dims().end());
  const ir::Dims k = kernel_shape(ctx.node(), in.size(), ir::Dims(w.dims().begin() + 2, w.dims().end()));
  const SpatialGeometry g = spatial_geometry(ctx.node(), in, k);

  ir::Dims out_dims = {x.dim(0), m};
  out_dims.insert(out_dims.end(), g.out.begin(), g.out.end());
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  const int64_t out_size = g.out_size();
  std::vector<float> acc = biased_accumulator(ctx, x, m, out_size);
  const std::vector<float> xf = load_as<float>(x, "X");
  const std::vector<float> wf = load_as<float>(w, "W");
  conv_accumulate(xf.data(), wf.data(), acc.data(), x.dim(0), x.dim(1), m, group, g);
  store_as(acc.data(), y);
}

}  // namespace

void register_conv(KernelRegistry& registry) { registry.add("Conv", &conv); }

}  // namespace zenith::ref
