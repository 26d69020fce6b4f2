// RangeHistogram: the three thresholds on distributions whose right answer is known.
#include "tools/range_histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "ir/errors.h"

namespace zenith::tools {
namespace {

std::vector<float> uniform(size_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(RangeHistogram, MinMaxIsTheLargestMagnitudeAcrossBatchesThatWidenTheRange) {
  RangeHistogram h;
  const std::vector<float> small = uniform(1000, -0.5f, 0.25f, 1);
  const std::vector<float> large = uniform(1000, -3.0f, 7.0f, 2);
  h.add(small.data(), small.size());
  h.add(large.data(), large.size());
  float top = 0, lo = 1e9f, hi = -1e9f;
  for (const auto* v : {&small, &large})
    for (float x : *v) {
      top = std::max(top, std::fabs(x));
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  EXPECT_EQ(h.count(), 2000u);
  EXPECT_EQ(h.min(), lo);
  EXPECT_EQ(h.max(), hi);
  EXPECT_EQ(h.threshold(CalibrationMethod::MinMax, 127), top);
  // The early, narrow batch survived the widening: half the values are below its top.
  EXPECT_GE(h.threshold(CalibrationMethod::Percentile, 127), 6.9f);
}

TEST(RangeHistogram, PercentileClipsARareOutlier) {
  RangeHistogram h;
  std::vector<float> v = uniform(200000, 0.0f, 1.0f, 3);
  v[12345] = 100.0f;  // one in 200,000: beyond the 99.99th percentile
  h.add(v.data(), v.size());
  EXPECT_EQ(h.threshold(CalibrationMethod::MinMax, 255), 100.0f);
  const float p = h.threshold(CalibrationMethod::Percentile, 255);
  EXPECT_GE(p, 0.99f);
  EXPECT_LE(p, 1.1f);  // one bin (100 / 2048) past 1 at most
}

TEST(RangeHistogram, EntropyKeepsAUniformRangeAndClipsAGaussianTail) {
  RangeHistogram flat;
  const std::vector<float> u = uniform(100000, 0.0f, 1.0f, 4);
  flat.add(u.data(), u.size());
  EXPECT_GE(flat.threshold(CalibrationMethod::Entropy, 255), 0.9f);

  RangeHistogram bell;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> g(200000);
  for (float& x : g) x = normal(rng);
  bell.add(g.data(), g.size());
  const float t = bell.threshold(CalibrationMethod::Entropy, 127);
  EXPECT_GT(t, 2.0f);
  EXPECT_LT(t, bell.max_abs());
}

TEST(RangeHistogram, ZerosNansAndInfinities) {
  RangeHistogram h;
  const std::vector<float> zeros(10, 0.0f);
  h.add(zeros.data(), zeros.size());
  for (auto m :
       {CalibrationMethod::MinMax, CalibrationMethod::Percentile, CalibrationMethod::Entropy})
    EXPECT_EQ(h.threshold(m, 127), 0.0f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> more = {nan, 2.0f, -1.0f, nan};
  h.add(more.data(), more.size());
  EXPECT_EQ(h.nans(), 2u);
  EXPECT_EQ(h.count(), 12u);
  EXPECT_EQ(h.threshold(CalibrationMethod::MinMax, 127), 2.0f);
  // 10 of 12 values are the early zeros: they stay in the lowest bin.
  EXPECT_LE(h.threshold(CalibrationMethod::Percentile, 127), 2.0f);
  const std::vector<float> inf = {std::numeric_limits<float>::infinity()};
  h.add(inf.data(), inf.size());
  EXPECT_EQ(h.threshold(CalibrationMethod::MinMax, 127), std::numeric_limits<float>::max());
}

TEST(RangeHistogram, ParsesMethodNames) {
  EXPECT_EQ(parse_calibration_method("entropy", "--calib-method"), CalibrationMethod::Entropy);
  try {
    parse_calibration_method("kl", "--calib-method");
    FAIL() << "accepted 'kl'";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--calib-method 'kl': expected minmax, percentile or entropy");
  }
}

}  // namespace
}  // namespace zenith::tools
