// PerformanceSummary: the metrics and the VALID / INVALID verdict of a performance run
// (LOADGEN.md §6-§8), computed once from what the run measured.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/effective_settings.h"
#include "loadgen/issue_queries.h"
#include "loadgen/latency_stats.h"

namespace zenith::loadgen {

struct PerformanceSummary {
  std::size_t sample_count = 0;
  std::size_t query_count = 0;
  std::size_t overlatency_query_count = 0;  // Server: latency strictly above the bound
  LatencyStats sample_latency;
  std::optional<LatencyStats> query_latency;  // MultiStream: latency of whole queries

  bool min_duration_met = false;
  bool min_queries_met = false;
  bool perf_constraints_met = true;  // only Server has a constraint
  bool early_stopping_met = true;    // Offline has no early stopping
  bool valid = false;
  std::string perf_constraints_recommendation;
  std::string min_duration_recommendation;
  // Official's " * ..." lines, '\n'-separated; empty for Offline.
  std::string early_stopping_result;
  std::int64_t early_stopping_latency_ss = 0;  // SingleStream target-percentile estimate
  std::int64_t early_stopping_latency_ms = 0;  // p99 estimate (SingleStream, MultiStream)

  double final_query_issued_s = 0.0;
  double final_query_scheduled_s = 0.0;
  double final_query_all_samples_done_s = 0.0;
  double max_latency_s = 0.0;
  double qps_with_loadgen_overhead = 0.0;     // SingleStream
  double qps_without_loadgen_overhead = 0.0;  // SingleStream
  double completed_samples_per_second = 0.0;  // Server (the official metric)
  double scheduled_samples_per_second = 0.0;  // Server
  double samples_per_second = 0.0;            // Offline
  // Every sample, in issue order: its latency and when its query was due (s from the start), for
  // plots (zenith bench --plot).
  std::vector<std::int64_t> sample_latencies_ns;
  std::vector<double> sample_scheduled_s;
};

// REQUIRES: at least one query was issued.
PerformanceSummary summarize(const EffectiveSettings& settings, const IssueRecord& record);

// Official's DoubleToString: fixed notation with `decimals` digits.
std::string fixed(double value, int decimals = 2);

}  // namespace zenith::loadgen
