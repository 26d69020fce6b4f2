// MatMulInteger (int32 result) and QLinearMatMul (requantized u8/i8 result): numpy matmul of
// u8/i8 operands with zero points, accumulated exactly.
#include "devices/reference/broadcast.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/quant_util.h"

namespace zenith::ref {
namespace {

// (A - a_zero_point) x (B - b_zero_point) in int64. A's zero point is per tensor or per row of A
// (M values), B's per tensor or per column of B (N values).
std::vector<int64_t> integer_matmul(const KernelContext& ctx, size_t a_index, size_t a_zp_index,
                                    size_t b_index, size_t b_zp_index, MatMulShape& s) {
  const ir::Tensor& a = ctx.input(a_index);
  const ir::Tensor& b = ctx.input(b_index);
  require_quantized(a, "A");
  require_quantized(b, "B");
  s = matmul_shape(a.dims(), b.dims());
  const std::vector<int32_t> a_zp = zero_point(ctx, a_zp_index, a.dtype(), s.m, "a_zero_point");
  const std::vector<int32_t> b_zp = zero_point(ctx, b_zp_index, b.dtype(), s.n, "b_zero_point");
  const std::vector<int64_t> av = load_as<int64_t>(a, "A"), bv = load_as<int64_t>(b, "B");
  const int64_t batches = ir::checked_numel(s.batch);
  const BroadcastIndexer a_batch(s.a_batch, s.batch), b_batch(s.b_batch, s.batch);
  std::vector<int64_t> out(static_cast<size_t>(batches * s.m * s.n), 0);
  for (int64_t t = 0; t < batches; ++t) {
    const int64_t* pa = av.data() + a_batch.offset(t) * s.m * s.k;
    const int64_t* pb = bv.data() + b_batch.offset(t) * s.k * s.n;
    int64_t* po = out.data() + t * s.m * s.n;
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t p = 0; p < s.k; ++p) {
        const int64_t x = pa[i * s.k + p] - param_at(a_zp, i);
        for (int64_t j = 0; j < s.n; ++j)
          po[i * s.n + j] += x * (pb[p * s.n + j] - param_at(b_zp, j));
      }
  }
  return out;
}

void matmul_integer(KernelContext& ctx) {
  MatMulShape s;
  const std::vector<int64_t> acc = integer_matmul(ctx, 0, 2, 1, 3, s);
  int32_t* y = ctx.allocate_output(0, ir::DType::I32, s.out_dims).data<int32_t>();
  for (size_t i = 0; i < acc.size(); ++i) y[i] = static_cast<int32_t>(acc[i]);
}

// Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
void qlinear_matmul(KernelContext& ctx) {
  const ir::Tensor& y_zp_t = ctx.input(7);
  require_quantized(y_zp_t, "y_zero_point");
  MatMulShape s;
  const std::vector<int64_t> acc = integer_matmul(ctx, 0, 2, 3, 5, s);
  const std::vector<float> a_scale = quant_param<float>(ctx.input(1), s.m, "a_scale");
  const std::vector<float> b_scale = quant_param<float>(ctx.input(4), s.n, "b_scale");
  const float y_scale = quant_param<float>(ctx.input(6), 0, "y_scale")[0];
  const int32_t y_zp = quant_param<int32_t>(y_zp_t, 0, "y_zero_point")[0];
  ir::Tensor& y = ctx.allocate_output(0, y_zp_t.dtype(), s.out_dims);
  std::vector<int32_t> q(acc.size());
  for (size_t idx = 0; idx < q.size(); ++idx) {
    const int64_t i = static_cast<int64_t>(idx) / s.n % s.m, j = static_cast<int64_t>(idx) % s.n;
    const float scale = param_at(a_scale, i) * param_at(b_scale, j) / y_scale;
    q[idx] = quantize_value(static_cast<float>(acc[idx]) * scale, y_zp, y.dtype());
  }
  store_as(q.data(), y);
}

}  // namespace

void register_matmul_integer(KernelRegistry& registry) {
  registry.add("MatMulInteger", &matmul_integer);
  registry.add("QLinearMatMul", &qlinear_matmul);
}

}  // namespace zenith::ref
