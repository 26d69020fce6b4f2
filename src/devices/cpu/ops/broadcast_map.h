// Elementwise maps with numpy broadcasting over plain tensors, for the CPU steps of our own
// (comparisons, logic, Where): a strided loop whose rows take the contiguous or repeated operand
// cases as separate loops, which the compiler vectorizes.
#pragma once

#include "devices/cpu/ops/strided_loop.h"

namespace zenith::cpu {

// out = f(a, b) elementwise, a and b broadcast to `out_dims`.
template <typename A, typename B, typename R, typename F>
void map_broadcast(const A* a, const ir::Dims& a_dims, const B* b, const ir::Dims& b_dims, R* out,
                   const ir::Dims& out_dims, const F& f) {
  const StridedLoop<3> loop{out_dims,
                            {ir::strides_of(out_dims), broadcast_strides(a_dims, out_dims),
                             broadcast_strides(b_dims, out_dims)}};
  for_each_row(
      loop, [&](const std::array<int64_t, 3>& at, int64_t n, const std::array<int64_t, 3>& inner) {
        R* o = out + at[0];  // the output's rows are contiguous
        const A* pa = a + at[1];
        const B* pb = b + at[2];
        if (inner[1] == 1 && inner[2] == 1) {
          for (int64_t i = 0; i < n; ++i) o[i] = f(pa[i], pb[i]);
        } else if (inner[1] == 1 && inner[2] == 0) {
          const B vb = *pb;
          for (int64_t i = 0; i < n; ++i) o[i] = f(pa[i], vb);
        } else if (inner[1] == 0 && inner[2] == 1) {
          const A va = *pa;
          for (int64_t i = 0; i < n; ++i) o[i] = f(va, pb[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) o[i] = f(pa[i * inner[1]], pb[i * inner[2]]);
        }
      });
}

}  // namespace zenith::cpu
