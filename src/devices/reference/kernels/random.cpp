// Bernoulli (opset 15) and RandomUniformLike (opset 1): draws from the run's generator, or from
// one seeded by the `seed` attribute when the node has it.
#include <bit>
#include <random>
#include <vector>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

// Runs `draw(generator)` with the node's own generator when it has a seed, else the run's.
template <typename F>
void with_generator(const KernelContext& ctx, F&& draw) {
  if (!ctx.node().has_attr("seed")) {
    draw(ctx.rng());
    return;
  }
  // The seed's bits, not its value: any float (NaN, 1e30) then makes a valid, distinct seed.
  std::mt19937_64 seeded(std::bit_cast<uint32_t>(ctx.attr<float>("seed")));
  draw(seeded);
}

// The `dtype` attribute's type, or `fallback` when it is absent.
ir::DType output_dtype(const KernelContext& ctx, ir::DType fallback) {
  if (!ctx.node().has_attr("dtype")) return fallback;
  return ir::dtype_from_onnx_code(ctx.attr<int64_t>("dtype"), "attribute dtype");
}

// Output 1 where a uniform draw falls below the input's probability, else 0.
void bernoulli(KernelContext& ctx) {
  const ir::Tensor& p = ctx.input(0);
  require_floating(p, "input 0");
  const ir::DType dtype = output_dtype(ctx, p.dtype());
  if (dtype == ir::DType::String)
    throw_invalid_model("attribute dtype is string, expected a numeric or bool type");
  const std::vector<double> prob = load_as<double>(p, "input 0");
  for (size_t i = 0; i < prob.size(); ++i)
    if (!(prob[i] >= 0 && prob[i] <= 1))
      throw_invalid_argument("input 0 holds probability {} at element {}, expected [0, 1]", prob[i],
                             i);
  std::vector<double> out(prob.size());
  with_generator(ctx, [&](std::mt19937_64& gen) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (size_t i = 0; i < prob.size(); ++i) out[i] = uniform(gen) < prob[i] ? 1.0 : 0.0;
  });
  store_as(out.data(), ctx.allocate_output(0, dtype, p.dims()));
}

void random_uniform_like(KernelContext& ctx) {
  const ir::Tensor& like = ctx.input(0);
  const ir::DType dtype = output_dtype(ctx, like.dtype());
  if (!ir::is_floating(dtype))
    throw_invalid_model("output dtype {} is not a floating type; set attribute dtype",
                        ir::dtype_name(dtype));
  const double low = ctx.attr<float>("low", 0.0f);
  const double high = ctx.attr<float>("high", 1.0f);
  if (!(low <= high))
    throw_invalid_model("attributes low={} and high={}: expected low <= high", low, high);
  std::vector<double> out(static_cast<size_t>(like.numel()));
  with_generator(ctx, [&](std::mt19937_64& gen) {
    std::uniform_real_distribution<double> uniform(low, high);
    for (double& v : out) v = uniform(gen);
  });
  store_as(out.data(), ctx.allocate_output(0, dtype, like.dims()));
}

}  // namespace

void register_random(KernelRegistry& registry) {
  registry.add("Bernoulli", &bernoulli);
  registry.add("RandomUniformLike", &random_uniform_like);
}

}  // namespace zenith::ref
