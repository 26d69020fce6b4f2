// Gemm (alpha * A' * B' + beta * C) and MatMul (numpy semantics: 1-D promotion, batch
// broadcasting).
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "devices/reference/broadcast.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

// Floating types accumulate in float (double for f64); integers in uint64, whose wrapping
// arithmetic gives the low bits of the exact result without signed-overflow UB.
template <typename T>
using Accumulator =
    std::conditional_t<std::is_integral_v<T>, uint64_t,
                       std::conditional_t<std::is_same_v<T, double>, double, float>>;

// out[M, N] += a[M, K] * b[K, N], all row-major; the inner loop runs along b's rows.
template <typename Acc>
void matmul_add(const Acc* a, const Acc* b, Acc* out, int64_t m, int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      const Acc av = a[i * k + p];
      const Acc* b_row = b + p * n;
      Acc* out_row = out + i * n;
      for (int64_t j = 0; j < n; ++j) out_row[j] += av * b_row[j];
    }
}

void require_matmul_type(const ir::Tensor& t, std::string_view what) {
  using ir::DType;
  const DType d = t.dtype();
  if (!ir::is_floating(d) && d != DType::I32 && d != DType::I64 && d != DType::U32 &&
      d != DType::U64)
    throw_invalid_argument("{} has dtype {}, expected a floating type or i32/i64/u32/u64", what,
                           ir::dtype_name(d));
}

void gemm(KernelContext& ctx) {
  const ir::Tensor& a = ctx.input(0);
  const ir::Tensor& b = ctx.input(1);
  require_matmul_type(a, "A");
  require_same_dtype(b, "B", a, "A");
  if (a.rank() != 2 || b.rank() != 2)
    throw_invalid_argument("A {} and B {} must be 2-D", ir::to_string(a.dims()),
                           ir::to_string(b.dims()));
  const bool trans_a = ctx.attr<int64_t>("transA", 0) != 0;
  const bool trans_b = ctx.attr<int64_t>("transB", 0) != 0;
  const float alpha = ctx.attr<float>("alpha", 1.0f);
  const float beta = ctx.attr<float>("beta", 1.0f);
  const int64_t m = trans_a ? a.dim(1) : a.dim(0), k = trans_a ? a.dim(0) : a.dim(1);
  const int64_t n = trans_b ? b.dim(0) : b.dim(1);
  if ((trans_b ? b.dim(1) : b.dim(0)) != k)
    throw_invalid_argument("A {} (transA={}) and B {} (transB={}) have different K",
                           ir::to_string(a.dims()), trans_a, ir::to_string(b.dims()), trans_b);
  const ir::Dims out_dims = {m, n};
  if (ctx.has_input(2)) {
    require_same_dtype(ctx.input(2), "C", a, "A");
    if (ir::broadcast_dims(ctx.input(2).dims(), out_dims) != out_dims)
      throw_invalid_argument("C has shape {}, expected one that broadcasts to [{}, {}]",
                             ir::to_string(ctx.input(2).dims()), m, n);
  }
  if (ir::is_integer(a.dtype()) && (alpha != std::trunc(alpha) || beta != std::trunc(beta)))
    throw_unsupported("Gemm on {} needs integral alpha and beta, got {} and {}",
                      ir::dtype_name(a.dtype()), alpha, beta);
  ir::Tensor& y = ctx.allocate_output(0, a.dtype(), out_dims);
  ir::visit_numeric(a.dtype(), "Gemm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = Accumulator<T>;
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    std::vector<Acc> a2(static_cast<size_t>(m * k)), b2(static_cast<size_t>(k * n));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p)
        a2[static_cast<size_t>(i * k + p)] =
            static_cast<Acc>(trans_a ? pa[p * m + i] : pa[i * k + p]);
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j)
        b2[static_cast<size_t>(p * n + j)] =
            static_cast<Acc>(trans_b ? pb[j * k + p] : pb[p * n + j]);
    std::vector<Acc> acc(static_cast<size_t>(m * n), Acc(0));
    matmul_add(a2.data(), b2.data(), acc.data(), m, k, n);
    const Acc alpha_acc = std::is_integral_v<T> ? static_cast<Acc>(static_cast<int64_t>(alpha))
                                                : static_cast<Acc>(alpha);
    const Acc beta_acc = std::is_integral_v<T> ? static_cast<Acc>(static_cast<int64_t>(beta))
                                               : static_cast<Acc>(beta);
    T* out = y.data<T>();
    const T* pc = ctx.has_input(2) ? ctx.input(2).data<T>() : nullptr;
    const BroadcastIndexer c_index(pc ? ctx.input(2).dims() : ir::Dims{}, out_dims);
    for (int64_t i = 0; i < m * n; ++i) {
      Acc v = alpha_acc * acc[static_cast<size_t>(i)];
      if (pc) v += beta_acc * static_cast<Acc>(pc[c_index.offset(i)]);
      out[i] = static_cast<T>(v);
    }
  });
}

void matmul(KernelContext& ctx) {
  const ir::Tensor& a = ctx.input(0);
  const ir::Tensor& b = ctx.input(1);
  require_matmul_type(a, "A");
  require_same_dtype(b, "B", a, "A");
  const MatMulShape s = matmul_shape(a.dims(), b.dims());
  const int64_t m = s.m, k = s.k, n = s.n;
  ir::Tensor& y = ctx.allocate_output(0, a.dtype(), s.out_dims);
  const int64_t batches = ir::checked_numel(s.batch);
  const BroadcastIndexer a_index(s.a_batch, s.batch), b_index(s.b_batch, s.batch);
  ir::visit_numeric(a.dtype(), "MatMul", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = Accumulator<T>;
    const std::vector<Acc> av = load_as<Acc>(a, "A"), bv = load_as<Acc>(b, "B");
    std::vector<Acc> acc(static_cast<size_t>(m * n));
    T* out = y.data<T>();
    for (int64_t i = 0; i < batches; ++i) {
      std::fill(acc.begin(), acc.end(), Acc(0));
      matmul_add(av.data() + a_index.offset(i) * m * k, bv.data() + b_index.offset(i) * k * n,
                 acc.data(), m, k, n);
      for (int64_t j = 0; j < m * n; ++j)
        out[i * m * n + j] = static_cast<T>(acc[static_cast<size_t>(j)]);
    }
  });
}

}  // namespace

void register_matmul(KernelRegistry& registry) {
  registry.add("Gemm", &gemm);
  registry.add("MatMul", &matmul);
}

}  // namespace zenith::ref
