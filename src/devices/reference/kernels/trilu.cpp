// Trilu: keeps the upper or lower triangle (relative to diagonal k) of the last two dims.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

void trilu(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  if (x.rank() < 2)
    throw_invalid_argument("input must have rank >= 2, got {}", ir::to_string(x.dims()));
  const int64_t k = ctx.has_input(1) ? scalar_int(ctx.input(1), "input 'k'") : 0;
  const bool upper = ctx.attr<int64_t>("upper", 1) != 0;
  const int64_t rows = x.dim(-2), cols = x.dim(-1);
  // Zero-initialized (empty strings for String): only the kept triangle is copied.
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), x.dims());
  if (y.numel() == 0) return;
  const ElementCopier copy(x, y);
  const int64_t matrices = x.numel() / (rows * cols);
  for (int64_t m = 0; m < matrices; ++m) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        // Compared as c - r against k without computing r + k, which could overflow.
        const bool keep = upper ? c - r >= k : c - r <= k;
        const int64_t i = (m * rows + r) * cols + c;
        if (keep) copy(i, i);
      }
    }
  }
}

}  // namespace

void register_trilu(KernelRegistry& registry) { registry.add("Trilu", &trilu); }

}  // namespace zenith::ref
