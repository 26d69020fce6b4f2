// Variadic elementwise ops with broadcasting over all inputs: Max, Min, Sum, Mean.
#include <vector>

#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// Folds f over the inputs (all of one dtype, broadcast together) in the compute type, so 16-bit
// floats round once at the end; Mean divides the total by the number of inputs.
template <unsigned Classes, typename F>
void fold_inputs(KernelContext& ctx, const F& f, bool mean = false) {
  const size_t count = ctx.num_inputs();
  if (count == 0) throw_invalid_model("at least one input is required");
  const ir::Tensor& first = ctx.input(0);
  ir::Dims dims = first.dims();
  for (size_t k = 1; k < count; ++k) {
    check_same_dtype(ctx, 0, k);
    dims = ir::broadcast_dims(dims, ctx.input(k).dims());
  }
  visit_class<Classes>(first, input_name(ctx, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using V = Compute<T>;
    ir::Tensor& out = ctx.allocate_output(0, first.dtype(), dims);
    std::vector<V> acc(static_cast<size_t>(out.numel()));
    for (size_t k = 0; k < count; ++k) {
      const ir::Tensor& in = ctx.input(k);
      const BroadcastIndexer index(in.dims(), dims);
      const T* src = in.data<T>();
      for (size_t i = 0; i < acc.size(); ++i) {
        const V v = static_cast<V>(src[index.offset(static_cast<int64_t>(i))]);
        acc[i] = k == 0 ? v : f(acc[i], v);
      }
    }
    T* dst = out.data<T>();
    for (size_t i = 0; i < acc.size(); ++i)
      dst[i] = convert<T>(mean ? acc[i] / static_cast<V>(count) : acc[i]);
  });
}

// Max and Min propagate NaN, as numpy.maximum / numpy.minimum do.
template <typename V>
V maximum(V a, V b) {
  if (is_nan(a) || is_nan(b)) return is_nan(a) ? a : b;
  return a < b ? b : a;
}

template <typename V>
V minimum(V a, V b) {
  if (is_nan(a) || is_nan(b)) return is_nan(a) ? a : b;
  return b < a ? b : a;
}

void max(KernelContext& ctx) {
  fold_inputs<kNumeric>(ctx, [](auto a, auto b) { return maximum(a, b); });
}
void min(KernelContext& ctx) {
  fold_inputs<kNumeric>(ctx, [](auto a, auto b) { return minimum(a, b); });
}
void sum(KernelContext& ctx) {
  fold_inputs<kFloat>(ctx, [](auto a, auto b) { return a + b; });
}
void mean(KernelContext& ctx) {
  fold_inputs<kFloat>(
      ctx, [](auto a, auto b) { return a + b; }, /*mean=*/true);
}

}  // namespace

void register_variadic(KernelRegistry& registry) {
  registry.add("Max", &max);
  registry.add("Mean", &mean);
  registry.add("Min", &min);
  registry.add("Sum", &sum);
}

}  // namespace zenith::ref
