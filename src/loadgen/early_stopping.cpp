// Early stopping math. odds() is the regularized incomplete beta I_p(h, t + 1), evaluated by
// its continued fraction; official LoadGen uses a 2F1 series instead. Both are accurate far
// beyond the distance of any h(t) from the 1 % threshold (the reference values in LOADGEN.md
// §8 are checked in tests/loadgen/early_stopping_test.cpp).
#include "loadgen/early_stopping.h"

#include <cmath>
#include <limits>

namespace zenith::loadgen {
namespace {

// Lentz's method for the continued fraction of I_x(a, b); converges fast for x < (a+1)/(a+b+2).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  constexpr double kEpsilon = 1e-16;
  constexpr int kMaxIterations = 100000;
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double f = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double m2 = 2.0 * m;
    double numerator = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
    for (int step = 0; step < 2; ++step) {
      d = 1.0 + numerator * d;
      if (std::fabs(d) < kTiny) d = kTiny;
      c = 1.0 + numerator / c;
      if (std::fabs(c) < kTiny) c = kTiny;
      d = 1.0 / d;
      f *= d * c;
      numerator = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
    }
    if (std::fabs(d * c - 1.0) < kEpsilon) break;
  }
  return f;
}

double regularized_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

bool passes(std::int64_t h, std::int64_t t, double p) {
  return early_stopping_odds(h, t, p) < 1.0 - kEarlyStoppingConfidence;
}

}  // namespace

double early_stopping_odds(std::int64_t h, std::int64_t t, double p) {
  if (h <= 0) return 1.0;
  return regularized_beta(static_cast<double>(h), static_cast<double>(t + 1), p);
}

std::int64_t min_passing_queries(std::int64_t t, double p) {
  // odds falls as h grows: widen an upper bound, then bisect.
  std::int64_t low = 0;  // fails
  std::int64_t high = 1;
  while (!passes(high, t, p)) {
    low = high;
    high *= 2;
  }
  while (high - low > 1) {
    const std::int64_t mid = low + (high - low) / 2;
    (passes(mid, t, p) ? high : low) = mid;
  }
  return high;
}

std::optional<std::int64_t> early_stopping_t(std::int64_t n, double p) {
  if (n < min_passing_queries(1, p) + 1) return std::nullopt;
  // h(t) + t grows with t, so the largest t with n >= h(t) + t is found by bisection; official
  // walks t = 2, 3, ... which is the same t and far slower for long runs.
  auto fits = [&](std::int64_t t) { return n >= min_passing_queries(t, p) + t; };
  std::int64_t low = 1;  // fits
  std::int64_t high = 2;
  while (fits(high)) {
    low = high;
    high *= 2;
  }
  while (high - low > 1) {
    const std::int64_t mid = low + (high - low) / 2;
    (fits(mid) ? low : high) = mid;
  }
  return low;
}

}  // namespace zenith::loadgen
