// Dropout: identity with an all-true mask at inference; in training mode zeroes each element with
// probability `ratio` and scales the rest by 1 / (1 - ratio).
#include <algorithm>
#include <random>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

void dropout(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "data");
  double ratio = 0.5;
  if (ctx.has_input(1)) {
    const ir::Tensor& r = ctx.input(1);
    if (r.numel() != 1 || !ir::is_floating(r.dtype()))
      throw_invalid_argument("ratio must be a floating scalar, got {} of shape {}",
                             ir::dtype_name(r.dtype()), ir::to_string(r.dims()));
    ratio = r.as_double(0);
  }
  bool training = false;
  if (ctx.has_input(2)) {
    const ir::Tensor& t = ctx.input(2);
    if (t.numel() != 1 || t.dtype() != ir::DType::Bool)
      throw_invalid_argument("training_mode must be a bool scalar, got {} of shape {}",
                             ir::dtype_name(t.dtype()), ir::to_string(t.dims()));
    training = *t.data<bool>();
  }
  if (training && !(ratio >= 0 && ratio < 1))
    throw_invalid_argument("ratio = {}, expected a value in [0, 1)", ratio);

  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), x.dims());
  bool* mask =
      ctx.has_output(1) ? ctx.allocate_output(1, ir::DType::Bool, x.dims()).data<bool>() : nullptr;
  if (!training || ratio == 0) {
    ElementCopier(x, y).copy(0, 0, x.numel());
    if (mask) std::fill_n(mask, x.numel(), true);
    return;
  }
  // A `seed` attribute makes this node reproducible on its own; otherwise the run's generator.
  std::mt19937_64 seeded(static_cast<uint64_t>(ctx.attr<int64_t>("seed", 0)));
  std::mt19937_64& rng = ctx.node().has_attr("seed") ? seeded : ctx.rng();
  std::bernoulli_distribution keep(1.0 - ratio);
  std::vector<double> v = load_as<double>(x, "data");
  for (size_t i = 0; i < v.size(); ++i) {
    const bool k = keep(rng);
    v[i] = k ? v[i] / (1.0 - ratio) : 0.0;
    if (mask) mask[i] = k;
  }
  store_as(v.data(), y);
}

}  // namespace

void register_dropout(KernelRegistry& registry) { registry.add("Dropout", &dropout); }

}  // namespace zenith::ref
