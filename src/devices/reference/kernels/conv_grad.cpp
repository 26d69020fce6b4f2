// The convolution's gradients, which autograd's Conv rule (train/backward_rules.h) emits:
// zenith.ConvGradInput(dY, W) -> dX and zenith.ConvGradWeight(X, dY) -> dW, with Conv's
// attributes plus the shape of the tensor they compute (`input_shape`, `weight_shape`). They
// walk the forward convolution's rows (for_each_conv_row), so their geometry is its geometry.
#include <vector>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/spatial_util.h"

namespace zenith::ref {
namespace {

// The forward geometry for X of dims `x` and W of dims `w`, checked against dY's dims.
SpatialGeometry forward_geometry(const KernelContext& ctx, const ir::Dims& x, const ir::Dims& w,
                                 const ir::Tensor& dy) {
  const ir::Dims in(x.begin() + 2, x.end());
  const SpatialGeometry g = spatial_geometry(
      ctx.node(), in, kernel_shape(ctx.node(), in.size(), ir::Dims(w.begin() + 2, w.end())));
  if (dy.dim(0) != x[0] || dy.dim(1) != w[0] ||
      ir::Dims(dy.dims().begin() + 2, dy.dims().end()) != g.out)
    throw_invalid_argument("dY {} does not match the convolution of X {} by W {}",
                           ir::to_string(dy.dims()), ir::to_string(x), ir::to_string(w));
  return g;
}

// The shape attribute `name`, checked against the rank the other operand implies.
ir::Dims shape_attr(const KernelContext& ctx, const char* name, size_t rank) {
  const auto dims = ctx.attr<std::vector<int64_t>>(name, {});
  if (dims.size() != rank)
    throw_invalid_model("attribute {} has {} dims, expected {}", name, dims.size(), rank);
  return ir::Dims(dims.begin(), dims.end());
}

void conv_grad_input(KernelContext& ctx) {
  const ir::Tensor& dy = ctx.input(0);
  const ir::Tensor& w = ctx.input(1);
  require_floating(dy, "dY");
  const ir::Dims x = shape_attr(ctx, "input_shape", dy.rank());
  const int64_t group = ctx.attr<int64_t>("group", 1);
  const SpatialGeometry g = forward_geometry(ctx, x, w.dims(), dy);
  std::vector<float> dx(static_cast<size_t>(x[0] * x[1] * g.in_size()), 0.0f);
  const std::vector<float> dyf = load_as<float>(dy, "dY"), wf = load_as<float>(w, "W");
  const int64_t s_w = g.strides.back();
  for_each_conv_row(x[0], x[1], w.dim(0), group, g,
                    [&](int64_t xi, int64_t wi, int64_t yi, int64_t lo, int64_t hi) {
                      const float wv = wf[static_cast<size_t>(wi)];
                      for (int64_t ow = lo; ow < hi; ++ow)
                        dx[static_cast<size_t>(xi + ow * s_w)] +=
                            wv * dyf[static_cast<size_t>(yi + ow)];
                    });
  store_as(dx.data(), ctx.allocate_output(0, dy.dtype(), x));
}

void conv_grad_weight(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& dy = ctx.input(1);
  require_floating(x, "X");
  const ir::Dims w = shape_attr(ctx, "weight_shape", x.rank());
  const int64_t group = ctx.attr<int64_t>("group", 1);
  const SpatialGeometry g = forward_geometry(ctx, x.dims(), w, dy);
  int64_t size = 1;
  for (int64_t d : w) size *= d;
  std::vector<float> dw(static_cast<size_t>(size), 0.0f);
  const std::vector<float> xf = load_as<float>(x, "X"), dyf = load_as<float>(dy, "dY");
  const int64_t s_w = g.strides.back();
  for_each_conv_row(x.dim(0), x.dim(1), w[0], group, g,
                    [&](int64_t xi, int64_t wi, int64_t yi, int64_t lo, int64_t hi) {
                      float sum = 0.0f;
                      for (int64_t ow = lo; ow < hi; ++ow)
                        sum += xf[static_cast<size_t>(xi + ow * s_w)] *
                               dyf[static_cast<size_t>(yi + ow)];
                      dw[static_cast<size_t>(wi)] += sum;
                    });
  store_as(dw.data(), ctx.allocate_output(0, x.dtype(), w));
}

}  // namespace

void register_conv_grad(KernelRegistry& registry) {
  registry.add("zenith", "ConvGradInput", &conv_grad_input);
  registry.add("zenith", "ConvGradWeight", &conv_grad_weight);
}

}  // namespace zenith::ref
