// Test helpers shared by the pass and device tests: seeded random inputs and output comparison.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "ir/value.h"

namespace zenith::testing {

// f32 values uniform in [-1, 1), the same for a given seed.
inline ir::Tensor random_tensor(ir::Dims dims, uint64_t seed = 1) {
  ir::Tensor t(ir::DType::F32, std::move(dims));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// f32 values in [0.5, 1.5): variances, scales and the like.
inline ir::Tensor positive_tensor(ir::Dims dims, uint64_t seed) {
  ir::Tensor t = random_tensor(std::move(dims), seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = 0.5f + std::abs(t.data<float>()[i]);
  return t;
}

// ||actual - expected|| / ||expected|| over two f32 tensors of the same dims: how far a
// narrower precision moved an output.
inline double relative_l2(const ir::Tensor& actual, const ir::Tensor& expected) {
  EXPECT_EQ(actual.dims(), expected.dims());
  EXPECT_EQ(actual.dtype(), ir::DType::F32);
  return actual.dims() == expected.dims() && actual.dtype() == ir::DType::F32
             ? ir::relative_l2_error(actual, expected)
             : std::nan("");
}

// Expects every output tensor to agree within atol + rtol * |expected| + scale * the output's
// largest |expected| (0, 0, 0: exactly), NaN where NaN is expected; reports the first few
// elements that do not. The scale
// term is how Winograd convolutions err: by a fraction of the magnitudes a tile sums, so an
// element near zero among large ones is off by more than rtol of itself.
inline void expect_outputs_near(const std::vector<ir::Value>& actual,
                                const std::vector<ir::Value>& expected, double rtol = 0,
                                double atol = 0, double scale = 0) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const ir::Tensor& e = expected[i].tensor();
    const ir::Tensor& a = actual[i].tensor();
    ASSERT_EQ(a.dtype(), e.dtype()) << "output " << i;
    ASSERT_EQ(a.dims(), e.dims()) << "output " << i;
    double largest = 0;
    for (int64_t k = 0; k < e.numel() && scale != 0; ++k) largest = std::max(largest, std::abs(e.as_double(k)));
    size_t mismatches = 0;
    for (int64_t k = 0; k < e.numel(); ++k) {
      const double ev = e.as_double(k);
      const double av = a.as_double(k);
      const bool both_nan = std::isnan(av) && std::isnan(ev);
      if (!both_nan && !(std::abs(av - ev) <= atol + rtol * std::abs(ev) + scale * largest) &&
          mismatches++ < 5)
        ADD_FAILURE() << "output " << i << " element " << k << ": " << av << " vs expected " << ev;
    }
    EXPECT_EQ(mismatches, 0u) << "output " << i;
  }
}

}  // namespace zenith::testing
