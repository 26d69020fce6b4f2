// alternating_medians: 2 warm-up and 15 timed runs of each session, interleaved.
#include "tools/session_timing.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace zenith::tools {
namespace {

// Milliseconds of one run of `session` on `feeds`.
double run_ms(const runtime::Session& session, const std::map<std::string, ir::Value>& feeds) {
  const auto start = std::chrono::steady_clock::now();
  session.run(feeds);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

}  // namespace

std::pair<double, double> alternating_medians(const runtime::Session& a, const runtime::Session& b,
                                              const std::map<std::string, ir::Value>& feeds) {
  constexpr int kWarmup = 2, kRuns = 15;
  std::vector<double> ms_a, ms_b;
  for (int i = 0; i < kWarmup + kRuns; ++i) {
    const double x = run_ms(a, feeds), y = run_ms(b, feeds);
    if (i < kWarmup) continue;
    ms_a.push_back(x);
    ms_b.push_back(y);
  }
  return {median(ms_a), median(ms_b)};
}

}  // namespace zenith::tools
