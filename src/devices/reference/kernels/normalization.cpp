// InstanceNormalization, LayerNormalization and MeanVarianceNormalization: normalize groups of
// elements by their own mean and (population) variance.
#include <algorithm>
#include <cmath>

#include "devices/reference/broadcast.h"
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

struct Moments {
  std::vector<double> mean;
  std::vector<double> var;
};

// Mean and variance of each group; element i belongs to group group_of(i).
template <typename GroupOf>
Moments moments(const std::vector<double>& x, int64_t groups, GroupOf group_of) {
  Moments m{std::vector<double>(static_cast<size_t>(groups), 0.0),
            std::vector<double>(static_cast<size_t>(groups), 0.0)};
  std::vector<double> count(static_cast<size_t>(groups), 0.0);
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t g = static_cast<size_t>(group_of(static_cast<int64_t>(i)));
    m.mean[g] += x[i];
    count[g] += 1;
  }
  for (size_t g = 0; g < m.mean.size(); ++g) m.mean[g] /= std::max(count[g], 1.0);
  for (size_t i = 0; i < x.size(); ++i) {
    const size_t g = static_cast<size_t>(group_of(static_cast<int64_t>(i)));
    m.var[g] += (x[i] - m.mean[g]) * (x[i] - m.mean[g]);
  }
  for (size_t g = 0; g < m.var.size(); ++g) m.var[g] /= std::max(count[g], 1.0);
  return m;
}

void instance_norm(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "input");
  if (x.rank() < 3)
    throw_invalid_argument("input has shape {}, expected [N, C, D1, ...]", ir::to_string(x.dims()));
  const int64_t channels = x.dim(1);
  for (size_t i = 1; i < 3; ++i)
    if (ctx.input(i).rank() != 1 || ctx.input(i).dim(0) != channels)
      throw_invalid_argument("{} has shape {}, expected [{}]", i == 1 ? "scale" : "B",
                             ir::to_string(ctx.input(i).dims()), channels);
  const double epsilon = ctx.attr<float>("epsilon", 1e-5f);
  const std::vector<double> xv = load_as<double>(x, "input");
  const std::vector<double> scale = load_as<double>(ctx.input(1), "scale");
  const std::vector<double> bias = load_as<double>(ctx.input(2), "B");
  const int64_t planes = x.dim(0) * channels;
  const int64_t inner = planes == 0 ? 0 : x.numel() / planes;
  const Moments m = moments(xv, planes, [&](int64_t i) { return i / inner; });
  std::vector<double> y(xv.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t p = i / static_cast<size_t>(inner);
    const size_t c = p % static_cast<size_t>(channels);
    y[i] = (xv[i] - m.mean[p]) / std::sqrt(m.var[p] + epsilon) * scale[c] + bias[c];
  }
  store_as(y.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
}

void layer_norm(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "X");
  const int64_t axis = ir::normalize_axis(ctx.attr<int64_t>("axis", -1), x.rank(), "axis");
  const double epsilon = ctx.attr<float>("epsilon", 1e-5f);
  const ir::Dims normalized(x.dims().begin() + axis, x.dims().end());
  const AxisSplit split{ir::checked_numel(ir::Dims(x.dims().begin(), x.dims().begin() + axis)),
                        ir::checked_numel(normalized), 1};
  // Scale and B broadcast to the normalized shape X.shape[axis:].
  auto load_param = [&](size_t i, const char* name) {
    const ir::Tensor& t = ctx.input(i);
    if (ir::broadcast_dims(t.dims(), normalized) != normalized)
      throw_invalid_argument("{} has shape {}, expected one that broadcasts to {}", name,
                             ir::to_string(t.dims()), ir::to_string(normalized));
    const std::vector<double> v = load_as<double>(t, name);
    const BroadcastIndexer index(t.dims(), normalized);
    std::vector<double> out(static_cast<size_t>(split.extent));
    for (int64_t k = 0; k < split.extent; ++k)
      out[static_cast<size_t>(k)] = v[static_cast<size_t>(index.offset(k))];
    return out;
  };
  const std::vector<double> scale = load_param(1, "Scale");
  const std::vector<double> bias =
      ctx.has_input(2) ? load_param(2, "B") : std::vector<double>(scale.size(), 0.0);
  const std::vector<double> xv = load_as<double>(x, "X");
  const Moments m = moments(xv, split.outer, [&](int64_t i) { return i / split.extent; });
  std::vector<double> y(xv.size()), inv_std(m.var.size());
  for (size_t g = 0; g < inv_std.size(); ++g) inv_std[g] = 1.0 / std::sqrt(m.var[g] + epsilon);
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t g = i / static_cast<size_t>(split.extent);
    const size_t k = i % static_cast<size_t>(split.extent);
    y[i] = (xv[i] - m.mean[g]) * inv_std[g] * scale[k] + bias[k];
  }
  store_as(y.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
  // Mean and InvStdDev keep X's rank with the normalized axes reduced to 1.
  const int64_t stash = ctx.attr<int64_t>("stash_type", 1);
  const ir::DType stat_type = stash == 1 ? ir::DType::F32 : x.dtype();
  ir::Dims stat_dims = x.dims();
  for (size_t i = static_cast<size_t>(axis); i < stat_dims.size(); ++i) stat_dims[i] = 1;
  if (ctx.has_output(1)) store_as(m.mean.data(), ctx.allocate_output(1, stat_type, stat_dims));
  if (ctx.has_output(2)) store_as(inv_std.data(), ctx.allocate_output(2, stat_type, stat_dims));
}

void mean_variance_norm(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "X");
  const std::vector<int64_t> axes = normalize_axes(
      ctx.attr<std::vector<int64_t>>("axes", {0, 2, 3}), x.rank(), "attribute 'axes'");
  // Groups are indexed by the kept axes: zero the reduced axes' strides.
  ir::Dims group_dims = x.dims();
  for (int64_t a : axes) group_dims[static_cast<size_t>(a)] = 1;
  const BroadcastIndexer group_of(group_dims, x.dims());
  const std::vector<double> xv = load_as<double>(x, "X");
  const Moments m =
      moments(xv, ir::checked_numel(group_dims), [&](int64_t i) { return group_of.offset(i); });
  std::vector<double> y(xv.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t g = static_cast<size_t>(group_of.offset(static_cast<int64_t>(i)));
    // ONNX's function body adds epsilon 1e-9 to the standard deviation, not the variance.
    y[i] = (xv[i] - m.mean[g]) / (std::sqrt(m.var[g]) + 1e-9);
  }
  store_as(y.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
}

}  // namespace

void register_normalization(KernelRegistry& registry) {
  registry.add("InstanceNormalization", &instance_norm);
  registry.add("LayerNormalization", &layer_norm);
  registry.add("MeanVarianceNormalization", &mean_variance_norm);
}

}  // namespace zenith::ref
