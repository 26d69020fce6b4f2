// TestSettings: what a user asks of a LoadGen run, with official LoadGen's defaults (LOADGEN.md
// §9, §12). Times are in the unit their name says; percentiles are fractions (0.90, not 90).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace zenith::loadgen {

enum class Scenario { SingleStream, MultiStream, Server, Offline };

// FindPeak searches the highest Server target QPS whose latency bound holds.
enum class TestMode { Performance, Accuracy, FindPeak };

// Official spellings: "SingleStream", ...; "PerformanceOnly", "AccuracyOnly",
// "FindPeakPerformance".
std::string_view to_string(Scenario scenario);
std::string_view to_string(TestMode mode);
// InvalidArgument naming the accepted spellings when `text` is none of them.
Scenario parse_scenario(std::string_view text);

struct TestSettings {
  Scenario scenario = Scenario::SingleStream;
  TestMode mode = TestMode::Performance;

  // Generation hints only: they set how many queries are pre-generated, not any bound.
  std::uint64_t single_stream_expected_latency_ns = 1'000'000;
  double single_stream_target_latency_percentile = 0.90;

  std::uint64_t multi_stream_samples_per_query = 8;
  std::uint64_t multi_stream_expected_latency_ns = 8'000'000;
  double multi_stream_target_latency_percentile = 0.99;

  double server_target_qps = 1.0;
  std::uint64_t server_target_latency_ns = 100'000'000;
  double server_target_latency_percentile = 0.99;
  std::uint64_t server_max_async_queries = 0;  // 0: no limit
  // Find-peak stops when the bounds agree to this many decimals; each widening step multiplies
  // the QPS by (1 + step size).
  int server_find_peak_qps_decimals_of_precision = 1;
  double server_find_peak_qps_boundary_step_size = 1.0;

  double offline_expected_qps = 1.0;

  std::uint64_t min_duration_ms = 10'000;
  std::uint64_t max_duration_ms = 0;  // 0: no limit
  std::uint64_t min_query_count = 100;
  std::uint64_t max_query_count = 0;  // 0: no limit

  // 0 as in official TestSettings; mlperf.conf (built in, see config_file.h) sets the official
  // ones.
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
  std::uint64_t performance_sample_count_override = 0;  // 0: ask the QSL
  std::uint64_t accuracy_sample_count_override = 0;     // 0: the QSL's total
  // "Equal issue": SingleStream issues whole permutations of the loaded set.
  bool sample_concatenate_permutation = false;
};

}  // namespace zenith::loadgen
