// Det: determinant of each square matrix in the last two axes (LU with partial pivoting).
#include <cmath>
#include <utility>

#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

double determinant(double* a, int64_t n) {
  double det = 1;
  for (int64_t col = 0; col < n; ++col) {
    int64_t pivot = col;
    for (int64_t r = col + 1; r < n; ++r)
      if (std::fabs(a[r * n + col]) > std::fabs(a[pivot * n + col])) pivot = r;
    if (a[pivot * n + col] == 0) return 0;
    if (pivot != col) {
      for (int64_t c = 0; c < n; ++c) std::swap(a[pivot * n + c], a[col * n + c]);
      det = -det;
    }
    det *= a[col * n + col];
    for (int64_t r = col + 1; r < n; ++r) {
      const double f = a[r * n + col] / a[col * n + col];
      for (int64_t c = col; c < n; ++c) a[r * n + c] -= f * a[col * n + c];
    }
  }
  return det;
}

void det(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  require_floating(x, "X");
  if (x.rank() < 2 || x.dim(-1) != x.dim(-2))
    throw_invalid_argument("X has shape {}, expected [..., M, M]", ir::to_string(x.dims()));
  const int64_t n = x.dim(-1);
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), ir::Dims(x.dims().begin(), x.dims().end() - 2));
  std::vector<double> a = load_as<double>(x, "X");
  std::vector<double> out(static_cast<size_t>(y.numel()));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = determinant(a.data() + static_cast<int64_t>(i) * n * n, n);
  store_as(out.data(), y);
}

}  // namespace

void register_det(KernelRegistry& registry) { registry.add("Det", &det); }

}  // namespace zenith::ref
