// EffectiveSettings: TestSettings normalized per scenario, as official LoadGen's
// TestSettingsInternal does (LOADGEN.md §2). Everything after this reads only these values.
#pragma once

#include <cstddef>
#include <cstdint>

#include "loadgen/test_settings.h"

namespace zenith::loadgen {

struct EffectiveSettings {
  Scenario scenario = Scenario::SingleStream;
  TestMode mode = TestMode::Performance;
  std::uint64_t samples_per_query = 1;
  double target_qps = 1.0;              // the generation rate
  std::uint64_t target_latency_ns = 0;  // Server only; 0 elsewhere, as official logs it
  double target_latency_percentile = 0.99;
  std::uint64_t max_async_queries = 1;  // 0: no limit
  std::uint64_t target_duration_ms = 0;
  std::uint64_t min_duration_ms = 0;
  std::uint64_t max_duration_ms = 0;
  std::uint64_t min_query_count = 0;
  std::uint64_t max_query_count = 0;
  std::uint64_t min_sample_count = 0;
  std::uint64_t qsl_rng_seed = 0;
  std::uint64_t sample_index_rng_seed = 0;
  std::uint64_t schedule_rng_seed = 0;
  std::uint64_t accuracy_log_rng_seed = 0;
  double accuracy_log_probability = 0.0;
  std::uint64_t accuracy_log_sampling_target = 0;
  bool print_timestamps = false;
  bool performance_issue_unique = false;
  bool performance_issue_same = false;
  std::uint64_t performance_issue_same_index = 0;
  std::uint64_t performance_sample_count = 0;
  std::uint64_t accuracy_sample_count = 0;
  bool sample_concatenate_permutation = false;
  int server_find_peak_qps_decimals_of_precision = 1;
  double server_find_peak_qps_boundary_step_size = 1.0;
};

// Throws InvalidArgument, saying which setting and why, for settings no run can satisfy: a target
// QPS or latency bound <= 0, a percentile outside (0, 1), zero samples per query, an empty QSL,
// find-peak outside Server.
EffectiveSettings normalize(const TestSettings& settings, std::size_t qsl_total_sample_count,
                            std::size_t qsl_performance_sample_count);

}  // namespace zenith::loadgen
