// Per-scenario normalization of TestSettings (LOADGEN.md §2) and the checks official LoadGen
// only logs but we refuse.
#include "loadgen/effective_settings.h"

#include <fmt/format.h>

#include <algorithm>

#include "zenith/error.h"

namespace zenith::loadgen {
namespace {

constexpr double kNanosPerSecond = 1e9;
// Offline pre-generates 10 % more samples than min duration needs at the expected QPS, so a SUT
// exactly as fast as expected still runs past min duration.
constexpr double kOfflineSlack = 1.1;

[[noreturn]] void invalid(const std::string& message) {
  throw Error(Error::Kind::InvalidArgument, "LoadGen settings: " + message);
}

void check_percentile(const char* name, double value) {
  if (!(value > 0.0 && value < 1.0))
    invalid(
        fmt::format("{} = {} is not a fraction in (0, 1); 90th percentile is 0.90", name, value));
}

void check_positive_qps(const char* name, double value) {
  if (!(value > 0.0)) invalid(fmt::format("{} = {} must be > 0 (queries per second)", name, value));
}

void check_scenario_settings(const TestSettings& s) {
  switch (s.scenario) {
    case Scenario::SingleStream:
      if (s.single_stream_expected_latency_ns == 0)
        invalid("single_stream_expected_latency_ns must be > 0");
      check_percentile("single_stream_target_latency_percentile",
                       s.single_stream_target_latency_percentile);
      break;
    case Scenario::MultiStream:
      if (s.multi_stream_expected_latency_ns == 0)
        invalid("multi_stream_expected_latency_ns must be > 0");
      if (s.multi_stream_samples_per_query == 0)
        invalid("multi_stream_samples_per_query must be > 0");
      check_percentile("multi_stream_target_latency_percentile",
                       s.multi_stream_target_latency_percentile);
      break;
    case Scenario::Server:
      check_positive_qps("server_target_qps", s.server_target_qps);
      if (s.server_target_latency_ns == 0)
        invalid("server_target_latency_ns must be > 0: it is the Server latency bound");
      check_percentile("server_target_latency_percentile", s.server_target_latency_percentile);
      break;
    case Scenario::Offline:
      check_positive_qps("offline_expected_qps", s.offline_expected_qps);
      break;
  }
  if (s.mode == TestMode::FindPeak && s.scenario != Scenario::Server)
    invalid(fmt::format("find-peak mode searches a Server target QPS; scenario is {}",
                        to_string(s.scenario)));
  if (s.mode == TestMode::FindPeak && !(s.server_find_peak_qps_boundary_step_size > 0.0))
    invalid("server_find_peak_qps_boundary_step_size must be > 0");
}

}  // namespace

EffectiveSettings normalize(const TestSettings& s, std::size_t qsl_total_sample_count,
                            std::size_t qsl_performance_sample_count) {
  check_scenario_settings(s);
  if (qsl_total_sample_count == 0) invalid("the query sample library has no samples");

  EffectiveSettings e;
  e.scenario = s.scenario;
  e.mode = s.mode;
  e.target_duration_ms = s.min_duration_ms;
  e.min_duration_ms = s.min_duration_ms;
  e.max_duration_ms = s.max_duration_ms;
  e.min_query_count = s.min_query_count;
  e.max_query_count = s.max_query_count;
  e.qsl_rng_seed = s.qsl_rng_seed;
  e.sample_index_rng_seed = s.sample_index_rng_seed;
  e.schedule_rng_seed = s.schedule_rng_seed;
  e.accuracy_log_rng_seed = s.accuracy_log_rng_seed;
  e.accuracy_log_probability = s.accuracy_log_probability;
  e.accuracy_log_sampling_target = s.accuracy_log_sampling_target;
  e.print_timestamps = s.print_timestamps;
  e.performance_issue_unique = s.performance_issue_unique;
  e.performance_issue_same = s.performance_issue_same;
  e.performance_issue_same_index = s.performance_issue_same_index;
  e.sample_concatenate_permutation = s.sample_concatenate_permutation;
  e.server_find_peak_qps_decimals_of_precision = s.server_find_peak_qps_decimals_of_precision;
  e.server_find_peak_qps_boundary_step_size = s.server_find_peak_qps_boundary_step_size;
  e.performance_sample_count = s.performance_sample_count_override != 0
                                   ? s.performance_sample_count_override
                                   : qsl_performance_sample_count;
  e.accuracy_sample_count = s.accuracy_sample_count_override != 0 ? s.accuracy_sample_count_override
                                                                  : qsl_total_sample_count;
  if (e.performance_sample_count == 0)
    invalid("performance sample count is 0: the QSL reports none and no override is set");
  if ((s.performance_issue_same) && s.performance_issue_same_index >= e.performance_sample_count)
    invalid(fmt::format("performance_issue_same_index = {} is outside the loaded set of {} samples",
                        s.performance_issue_same_index, e.performance_sample_count));

  switch (s.scenario) {
    case Scenario::SingleStream:
      e.target_qps = kNanosPerSecond / static_cast<double>(s.single_stream_expected_latency_ns);
      e.target_latency_percentile = s.single_stream_target_latency_percentile;
      break;
    case Scenario::MultiStream:
      e.samples_per_query = s.multi_stream_samples_per_query;
      e.target_qps = kNanosPerSecond / static_cast<double>(s.multi_stream_expected_latency_ns);
      e.target_latency_percentile = s.multi_stream_target_latency_percentile;
      break;
    case Scenario::Server:
      e.target_qps = s.server_target_qps;
      e.target_latency_ns = s.server_target_latency_ns;
      e.target_latency_percentile = s.server_target_latency_percentile;
      e.max_async_queries = s.server_max_async_queries;
      break;
    case Scenario::Offline: {
      e.target_qps = s.offline_expected_qps;
      const double min_duration_s = static_cast<double>(s.min_duration_ms) / 1000.0;
      const auto target_samples =
          static_cast<std::uint64_t>(kOfflineSlack * min_duration_s * e.target_qps);
      e.samples_per_query = (s.performance_issue_unique || s.performance_issue_same)
                                ? e.performance_sample_count
                                : std::max<std::uint64_t>(s.min_query_count, target_samples);
      e.min_query_count = 1;
      e.target_duration_ms = 0;
      break;
    }
  }
  if (s.scenario == Scenario::SingleStream && s.sample_concatenate_permutation) {
    // Official pads with a whole further permutation even when already a multiple (§2), and
    // uses the QSL's own count, not the override.
    const double min_duration_s = static_cast<double>(s.min_duration_ms) / 1000.0;
    e.min_query_count = std::max<std::uint64_t>(
        e.min_query_count, static_cast<std::uint64_t>(2.0 * min_duration_s * e.target_qps));
    e.min_query_count += qsl_performance_sample_count -
                         e.min_query_count % std::max<std::size_t>(qsl_performance_sample_count, 1);
  }
  e.min_sample_count = e.min_query_count * e.samples_per_query;
  return e;
}

}  // namespace zenith::loadgen
