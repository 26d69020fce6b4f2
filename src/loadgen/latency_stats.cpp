// Percentiles by official LoadGen's rule: sorted[(size_t)(n * p)].
#include "loadgen/latency_stats.h"

#include <numeric>

namespace zenith::loadgen {

std::size_t percentile_index(std::size_t n, double p) {
  return static_cast<std::size_t>(static_cast<double>(n) * p);
}

LatencyStats latency_stats(const std::vector<std::int64_t>& sorted_ns, double target_percentile) {
  const std::size_t n = sorted_ns.size();
  LatencyStats stats;
  stats.min_ns = sorted_ns.front();
  stats.max_ns = sorted_ns.back();
  stats.mean_ns = std::accumulate(sorted_ns.begin(), sorted_ns.end(), std::int64_t{0}) /
                  static_cast<std::int64_t>(n);
  stats.target_ns = sorted_ns[percentile_index(n, target_percentile)];
  for (double p : kReportedPercentiles)
    stats.reported_ns.push_back(sorted_ns[percentile_index(n, p)]);
  return stats;
}

}  // namespace zenith::loadgen
