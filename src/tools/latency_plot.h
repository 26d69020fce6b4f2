// A LoadGen run's latencies as an SVG picture (`zenith bench --plot FILE.svg`): the
// distribution as a histogram and as a percentile curve, with the target percentile, p99 and
// the latency bound marked, and for Server runs the latency of each sample over the run.
#pragma once

#include <cstdint>
#include <string>

#include "loadgen/performance_summary.h"

namespace zenith::tools {

struct LatencyPlotInfo {
  std::string title;               // e.g. the SUT's name and the scenario
  double target_percentile = 0.9;  // the run's (0.9 SingleStream, 0.99 Server and MultiStream)
  std::int64_t bound_ns = 0;       // the latency bound (Server); 0: none
  bool over_time = false;          // add latency over the run (Server)
};

// A run's picture as `zenith bench --plot` and `zenith report` both draw it: titled "SUT:
// scenario mode", latency over the run for Server.
LatencyPlotInfo plot_info(const std::string& sut, const std::string& scenario,
                          const std::string& mode, double target_percentile, std::int64_t bound_ns);

// The SVG document. REQUIRES: at least one sample.
std::string latency_plot_svg(const loadgen::PerformanceSummary& summary,
                             const LatencyPlotInfo& info);

}  // namespace zenith::tools
