// Reduce* ops (ReduceSum, ReduceMax, ReduceLogSumExp, ...): one reduction engine over an optional
// `axes` input, with keepdims and noop_with_empty_axes as in ONNX opset 18.
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "devices/reference/element_util.h"
#include "devices/reference/elementwise_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

enum class Reduction { L1, L2, LogSum, LogSumExp, Max, Mean, Min, Prod, Sum, SumSquare };

// Integers accumulate in 64 bits (so the wrap-around matches a sum in T), floats in double.
template <typename T>
using Acc = std::conditional_t<!std::is_integral_v<T>, double,
                               std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

// The value an empty reduction yields, as ONNX defines it: the identity of the operation.
template <typename T>
Acc<T> identity(Reduction r) {
  constexpr bool kInt = std::is_integral_v<T>;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (r == Reduction::Prod) return Acc<T>(1);
  if (r == Reduction::Max) {
    if constexpr (kInt)
      return std::numeric_limits<T>::lowest();
    else
      return -kInf;
  }
  if (r == Reduction::Min) {
    if constexpr (kInt)
      return std::numeric_limits<T>::max();
    else
      return kInf;
  }
  return Acc<T>(0);
}

// Integer sums and products wrap (in the unsigned domain, where C++ defines wrapping), as they
// would in T.
template <typename A>
A add(A a, A b) {
  if constexpr (std::is_integral_v<A>)
    return A(std::make_unsigned_t<A>(a) + std::make_unsigned_t<A>(b));
  else
    return a + b;
}
template <typename A>
A mul(A a, A b) {
  if constexpr (std::is_integral_v<A>)
    return A(std::make_unsigned_t<A>(a) * std::make_unsigned_t<A>(b));
  else
    return a * b;
}

template <typename A>
A combine(Reduction r, A acc, A x) {
  switch (r) {
    case Reduction::L1:
      return add(acc, x < A(0) ? mul(x, A(-1)) : x);
    case Reduction::L2:
    case Reduction::SumSquare:
      return add(acc, mul(x, x));
    case Reduction::Prod:
      return mul(acc, x);
    // NaN wins, as numpy's maximum/minimum propagate it.
    case Reduction::Max:
      return (x > acc || x != x) && acc == acc ? x : acc;
    case Reduction::Min:
      return (x < acc || x != x) && acc == acc ? x : acc;
    default:
      return add(acc, x);  // Sum, Mean, LogSum
  }
}

// Calls fn(i, o) for every input element i (row-major) and the output element o it reduces into;
// out_strides holds the output stride of each kept axis and 0 for each reduced one.
template <typename F>
void for_each_element(const ir::Dims& dims, const ir::Dims& out_strides, int64_t numel, F&& fn) {
  ir::Dims index(dims.size(), 0);
  int64_t o = 0;
  for (int64_t i = 0; i < numel; ++i) {
    fn(i, o);
    for (size_t axis = dims.size(); axis-- > 0;) {
      o += out_strides[axis];
      if (++index[axis] < dims[axis]) break;
      o -= out_strides[axis] * dims[axis];
      index[axis] = 0;
    }
  }
}

template <typename T>
void reduce_typed(Reduction r, const ir::Tensor& x, const ir::Dims& out_strides, int64_t count,
                  ir::Tensor& y) {
  using A = Acc<T>;
  const T* src = x.data<T>();
  T* dst = y.data<T>();
  const auto load = [&](int64_t i) { return static_cast<A>(static_cast<Compute<T>>(src[i])); };
  std::vector<A> acc(static_cast<size_t>(y.numel()), identity<T>(r));
  if (r == Reduction::LogSumExp) {
    // log(sum(exp(x - max))) + max cannot overflow where the textbook formula would.
    std::vector<double> max(acc.size(), -std::numeric_limits<double>::infinity());
    std::vector<double> sum(acc.size(), 0.0);
    for_each_element(x.dims(), out_strides, x.numel(), [&](int64_t i, int64_t o) {
      max[o] = combine(Reduction::Max, max[o], static_cast<double>(load(i)));
    });
    for_each_element(x.dims(), out_strides, x.numel(), [&](int64_t i, int64_t o) {
      sum[o] += std::exp(static_cast<double>(load(i)) - max[o]);
    });
    for (size_t o = 0; o < acc.size(); ++o)
      dst[o] = convert<T>(std::isinf(max[o]) ? max[o] : max[o] + std::log(sum[o]));
    return;
  }
  for_each_element(x.dims(), out_strides, x.numel(),
                   [&](int64_t i, int64_t o) { acc[o] = combine(r, acc[o], load(i)); });
  for (size_t o = 0; o < acc.size(); ++o) {
    const double value = static_cast<double>(acc[o]);
    if (r == Reduction::L2)
      dst[o] = convert<T>(std::sqrt(value));
    else if (r == Reduction::LogSum)
      dst[o] = convert<T>(std::log(value));
    else if (r == Reduction::Mean && std::is_integral_v<T>)
      dst[o] = count ? T(acc[o] / A(count)) : T(0);
    else if (r == Reduction::Mean)
      dst[o] = convert<T>(value / static_cast<double>(count));
    else
      dst[o] = convert<T>(acc[o]);
  }
}

void reduce(KernelContext& ctx, Reduction r) {
  const ir::Tensor& x = ctx.input(0);
  const bool keepdims = ctx.attr<int64_t>("keepdims", 1) != 0;
  const bool noop_with_empty_axes = ctx.attr<int64_t>("noop_with_empty_axes", 0) != 0;
  std::vector<int64_t> axes =
      optional_ints(ctx, 1, "input 1 (axes)").value_or(std::vector<int64_t>{});
  if (axes.empty() && noop_with_empty_axes) {
    ctx.set_output(0, x.clone());
    return;
  }
  axes = normalize_axes(std::move(axes), x.rank(), "input 1 (axes)");
  std::vector<bool> reduced(x.dims().size(), axes.empty());
  for (int64_t axis : axes) reduced[static_cast<size_t>(axis)] = true;

  ir::Dims kept_dims, out_dims;
  int64_t count = 1;
  for (size_t a = 0; a < reduced.size(); ++a) {
    kept_dims.push_back(reduced[a] ? 1 : x.dims()[a]);
    if (!reduced[a] || keepdims) out_dims.push_back(kept_dims.back());
    if (reduced[a]) count *= x.dims()[a];
  }
  ir::Dims out_strides = ir::strides_of(kept_dims);
  for (size_t a = 0; a < reduced.size(); ++a)
    if (reduced[a]) out_strides[a] = 0;

  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  visit_class<kNumeric>(x, input_name(ctx, 0), [&](auto tag) {
    reduce_typed<typename decltype(tag)::type>(r, x, out_strides, count, y);
  });
}

void reduce_l1(KernelContext& ctx) { reduce(ctx, Reduction::L1); }
void reduce_l2(KernelContext& ctx) { reduce(ctx, Reduction::L2); }
void reduce_log_sum(KernelContext& ctx) { reduce(ctx, Reduction::LogSum); }
void reduce_log_sum_exp(KernelContext& ctx) { reduce(ctx, Reduction::LogSumExp); }
void reduce_max(KernelContext& ctx) { reduce(ctx, Reduction::Max); }
void reduce_mean(KernelContext& ctx) { reduce(ctx, Reduction::Mean); }
void reduce_min(KernelContext& ctx) { reduce(ctx, Reduction::Min); }
void reduce_prod(KernelContext& ctx) { reduce(ctx, Reduction::Prod); }
void reduce_sum(KernelContext& ctx) { reduce(ctx, Reduction::Sum); }
void reduce_sum_square(KernelContext& ctx) { reduce(ctx, Reduction::SumSquare); }

}  // namespace

void register_reduce(KernelRegistry& registry) {
  registry.add("ReduceL1", &reduce_l1);
  registry.add("ReduceL2", &reduce_l2);
  registry.add("ReduceLogSum", &reduce_log_sum);
  registry.add("ReduceLogSumExp", &reduce_log_sum_exp);
  registry.add("ReduceMax", &reduce_max);
  registry.add("ReduceMean", &reduce_mean);
  registry.add("ReduceMin", &reduce_min);
  registry.add("ReduceProd", &reduce_prod);
  registry.add("ReduceSum", &reduce_sum);
  registry.add("ReduceSumSquare", &reduce_sum_square);
}

}  // namespace zenith::ref
