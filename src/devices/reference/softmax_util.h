// The softmax loop shared by the Softmax / LogSoftmax kernels and SoftmaxCrossEntropyLoss.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include "devices/reference/element_util.h"

namespace zenith::ref {

// y = softmax(x) (or log-softmax when `log`) along the middle axis of `split`, in double.
// Subtracting the maximum first keeps exp() from overflowing; it does not change the result.
inline void softmax_along(const double* x, double* y, const AxisSplit& split, bool log) {
  for (int64_t o = 0; o < split.outer; ++o) {
    for (int64_t i = 0; i < split.inner; ++i) {
      const int64_t base = o * split.extent * split.inner + i;
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < split.extent; ++k) max = std::max(max, x[base + k * split.inner]);
      double sum = 0;
      for (int64_t k = 0; k < split.extent; ++k) sum += std::exp(x[base + k * split.inner] - max);
      for (int64_t k = 0; k < split.extent; ++k) {
        const double shifted = x[base + k * split.inner] - max;
        y[base + k * split.inner] = log ? shifted - std::log(sum) : std::exp(shifted) / sum;
      }
    }
  }
}

}  // namespace zenith::ref
