// RangeHistogram: streaming |x| histogram and the minmax, percentile and entropy thresholds.
#include "tools/range_histogram.h"

#include <algorithm>
#include <cmath>

#include "ir/errors.h"

namespace zenith::tools {

namespace {

// The share of values a percentile threshold keeps unclipped.
constexpr double kPercentile = 0.9999;

constexpr float kLargest = std::numeric_limits<float>::max();

float magnitude(float v) { return std::min(std::fabs(v), kLargest); }

// KL(p || q) for distributions given as unnormalized counts over the same bins: infinite where
// q is 0 and p is not.
double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  double p_sum = 0, q_sum = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    p_sum += p[i];
    q_sum += q[i];
  }
  double kl = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0) continue;
    if (q[i] == 0) return std::numeric_limits<double>::infinity();
    kl += p[i] / p_sum * std::log((p[i] / p_sum) / (q[i] / q_sum));
  }
  return kl;
}

}  // namespace

CalibrationMethod parse_calibration_method(const std::string& text, const std::string& flag) {
  if (text == "minmax") return CalibrationMethod::MinMax;
  if (text == "percentile") return CalibrationMethod::Percentile;
  if (text == "entropy") return CalibrationMethod::Entropy;
  throw_invalid_argument("{} '{}': expected minmax, percentile or entropy", flag, text);
}

const char* to_string(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::MinMax:
      return "minmax";
    case CalibrationMethod::Percentile:
      return "percentile";
    case CalibrationMethod::Entropy:
      return "entropy";
  }
  return "?";
}

float RangeHistogram::max_abs() const {
  return count_ == 0 ? 0.0f : std::max(magnitude(min_), magnitude(max_));
}

void RangeHistogram::grow_to(float top) {
  if (top <= 0) return;
  if (bins_.empty()) {
    bins_.assign(kBins, 0);
    bins_[0] = early_zeros_;
    width_ = top / static_cast<float>(kBins);
    return;
  }
  // Twice the range: bins 2i and 2i+1 become bin i.
  while (top > width_ * static_cast<float>(kBins)) {
    for (size_t i = 0; i < kBins / 2; ++i) bins_[i] = bins_[2 * i] + bins_[2 * i + 1];
    std::fill(bins_.begin() + kBins / 2, bins_.end(), 0);
    width_ *= 2;
  }
}

void RangeHistogram::add(const float* values, size_t n) {
  float top = 0;
  uint64_t finite = 0;
  for (size_t i = 0; i < n; ++i) {
    const float v = values[i];
    if (std::isnan(v)) continue;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
    top = std::max(top, magnitude(v));
    ++finite;
  }
  count_ += finite;
  nans_ += n - finite;
  grow_to(top);
  if (bins_.empty()) {  // every value so far was 0
    early_zeros_ += finite;
    return;
  }
  const float inverse = 1.0f / width_;
  for (size_t i = 0; i < n; ++i)
    if (!std::isnan(values[i]))
      ++bins_[std::min(static_cast<size_t>(magnitude(values[i]) * inverse), kBins - 1)];
}

float RangeHistogram::threshold(CalibrationMethod method, int levels) const {
  if (bins_.empty()) return 0;
  switch (method) {
    case CalibrationMethod::MinMax:
      return max_abs();
    case CalibrationMethod::Percentile:
      return percentile(kPercentile);
    case CalibrationMethod::Entropy:
      return entropy_threshold(levels);
  }
  return max_abs();
}

float RangeHistogram::percentile(double fraction) const {
  const auto wanted = static_cast<uint64_t>(std::ceil(fraction * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBins; ++i) {
    seen += bins_[i];
    if (seen >= wanted) return std::min(static_cast<float>(i + 1) * width_, max_abs());
  }
  return max_abs();
}

float RangeHistogram::entropy_threshold(int levels) const {
  size_t used = kBins;
  while (used > 1 && bins_[used - 1] == 0) --used;
  const auto n_levels = static_cast<size_t>(std::max(levels, 1));
  if (used <= n_levels) return max_abs();  // no clipping can lose less than none
  double best_kl = std::numeric_limits<double>::infinity();
  size_t best = used;
  std::vector<double> p, q;
  for (size_t i = n_levels; i <= used; ++i) {
    // The reference: the first i bins, with everything beyond clipped into the last.
    p.assign(bins_.begin(), bins_.begin() + static_cast<std::ptrdiff_t>(i));
    for (size_t j = i; j < used; ++j) p[i - 1] += static_cast<double>(bins_[j]);
    // The candidate: the same i bins without the clipped values, quantized to n_levels levels,
    // each level's count spread evenly over the bins where p is nonzero. A level holding only
    // clipped values gives q = 0 where p > 0: an infinite divergence, never chosen.
    q.assign(i, 0.0);
    for (size_t level = 0; level < n_levels; ++level) {
      const size_t begin = level * i / n_levels, end = (level + 1) * i / n_levels;
      double total = 0;
      size_t nonzero = 0;
      for (size_t j = begin; j < end; ++j) {
        total += static_cast<double>(bins_[j]);
        nonzero += p[j] > 0;
      }
      if (nonzero == 0) continue;
      for (size_t j = begin; j < end; ++j)
        if (p[j] > 0) q[j] = total / static_cast<double>(nonzero);
    }
    const double kl = kl_divergence(p, q);
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return std::min(static_cast<float>(best) * width_, max_abs());
}

}  // namespace zenith::tools
