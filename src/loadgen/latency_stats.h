// Latency statistics as official LoadGen computes them (LOADGEN.md §6): no interpolation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace zenith::loadgen {

// The percentiles every summary reports besides the target one.
inline constexpr double kReportedPercentiles[] = {0.50, 0.90, 0.95, 0.97, 0.99, 0.999};

// floor(n * p) computed in double, as official indexes its sorted latencies.
std::size_t percentile_index(std::size_t n, double p);

struct LatencyStats {
  std::int64_t min_ns = 0;
  std::int64_t max_ns = 0;
  std::int64_t mean_ns = 0;               // integer sum / n, truncated
  std::int64_t target_ns = 0;             // at the target percentile
  std::vector<std::int64_t> reported_ns;  // at kReportedPercentiles, in that order
};

// REQUIRES: `sorted_ns` non-empty and ascending.
LatencyStats latency_stats(const std::vector<std::int64_t>& sorted_ns, double target_percentile);

}  // namespace zenith::loadgen
