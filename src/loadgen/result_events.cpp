// Settings and result events for the detail log.
#include "loadgen/result_events.h"

#include <algorithm>

namespace zenith::loadgen {
namespace {

std::string scenario_value(Scenario s) { return std::string(to_string(s)); }

}  // namespace

void log_requested_settings(EventLog& log, const TestSettings& s) {
  log.add("requested_scenario", scenario_value(s.scenario));
  log.add("requested_test_mode", std::string(to_string(s.mode)));
  switch (s.scenario) {
    case Scenario::SingleStream:
      log.add("requested_single_stream_expected_latency_ns", s.single_stream_expected_latency_ns);
      log.add("requested_single_stream_target_latency_percentile",
              s.single_stream_target_latency_percentile);
      break;
    case Scenario::MultiStream:
      log.add("requested_multi_stream_expected_latency_ns", s.multi_stream_expected_latency_ns);
      log.add("requested_multi_stream_target_latency_percentile",
              s.multi_stream_target_latency_percentile);
      log.add("requested_multi_stream_samples_per_query", s.multi_stream_samples_per_query);
      break;
    case Scenario::Server:
      log.add("requested_server_target_qps", s.server_target_qps);
      log.add("requested_server_target_latency_ns", s.server_target_latency_ns);
      log.add("requested_server_target_latency_percentile", s.server_target_latency_percentile);
      log.add("requested_server_max_async_queries", s.server_max_async_queries);
      break;
    case Scenario::Offline:
      log.add("requested_offline_expected_qps", s.offline_expected_qps);
      break;
  }
  log.add("requested_min_duration_ms", s.min_duration_ms);
  log.add("requested_max_duration_ms", s.max_duration_ms);
  log.add("requested_min_query_count", s.min_query_count);
  log.add("requested_max_query_count", s.max_query_count);
  log.add("requested_qsl_rng_seed", s.qsl_rng_seed);
  log.add("requested_sample_index_rng_seed", s.sample_index_rng_seed);
  log.add("requested_schedule_rng_seed", s.schedule_rng_seed);
  log.add("requested_accuracy_log_rng_seed", s.accuracy_log_rng_seed);
  log.add("requested_accuracy_log_probability", s.accuracy_log_probability);
  log.add("requested_accuracy_log_sampling_target", s.accuracy_log_sampling_target);
  log.add("requested_print_timestamps", s.print_timestamps);
  log.add("requested_performance_issue_unique", s.performance_issue_unique);
  log.add("requested_performance_issue_same", s.performance_issue_same);
  log.add("requested_performance_issue_same_index", s.performance_issue_same_index);
  log.add("requested_performance_sample_count_override", s.performance_sample_count_override);
  log.add("requested_sample_concatenate_permutation", s.sample_concatenate_permutation);
}

void log_effective_settings(EventLog& log, const EffectiveSettings& s) {
  log.add("effective_scenario", scenario_value(s.scenario));
  log.add("effective_test_mode", std::string(to_string(s.mode)));
  log.add("effective_samples_per_query", s.samples_per_query);
  log.add("effective_target_qps", s.target_qps);
  log.add("effective_target_latency_ns", s.target_latency_ns);
  log.add("effective_target_latency_percentile", s.target_latency_percentile);
  log.add("effective_max_async_queries", s.max_async_queries);
  log.add("effective_target_duration_ms", s.target_duration_ms);
  log.add("effective_min_duration_ms", s.min_duration_ms);
  log.add("effective_max_duration_ms", s.max_duration_ms);
  log.add("effective_min_query_count", s.min_query_count);
  log.add("effective_max_query_count", s.max_query_count);
  log.add("effective_min_sample_count", s.min_sample_count);
  log.add("effective_qsl_rng_seed", s.qsl_rng_seed);
  log.add("effective_sample_index_rng_seed", s.sample_index_rng_seed);
  log.add("effective_schedule_rng_seed", s.schedule_rng_seed);
  log.add("effective_accuracy_log_rng_seed", s.accuracy_log_rng_seed);
  log.add("effective_accuracy_log_probability", s.accuracy_log_probability);
  log.add("effective_accuracy_log_sampling_target", s.accuracy_log_sampling_target);
  log.add("effective_print_timestamps", s.print_timestamps);
  log.add("effective_performance_issue_unique", s.performance_issue_unique);
  log.add("effective_performance_issue_same", s.performance_issue_same);
  log.add("effective_performance_issue_same_index", s.performance_issue_same_index);
  log.add("effective_performance_sample_count", s.performance_sample_count);
  log.add("effective_accuracy_sample_count", s.accuracy_sample_count);
  log.add("effective_sample_concatenate_permutation", s.sample_concatenate_permutation);
}

namespace {

void log_stats(EventLog& log, const std::string& prefix, const std::string& suffix,
               const LatencyStats& stats) {
  log.add(prefix + "min_" + suffix, stats.min_ns);
  log.add(prefix + "max_" + suffix, stats.max_ns);
  log.add(prefix + "mean_" + suffix, stats.mean_ns);
}

void log_percentiles(EventLog& log, const std::string& suffix, const LatencyStats& stats) {
  for (std::size_t i = 0; i < std::size(kReportedPercentiles); ++i)
    log.add("result_" + fixed(kReportedPercentiles[i] * 100) + suffix, stats.reported_ns[i]);
}

std::string invalid_reason(const PerformanceSummary& r) {
  std::string reason;
  if (!r.perf_constraints_met) reason += r.perf_constraints_recommendation + " ";
  if (!r.min_duration_met) reason += r.min_duration_recommendation + " ";
  if (!r.min_queries_met) reason += "The test exited early, before enough queries were issued.";
  return reason;
}

}  // namespace

void log_performance_result(EventLog& log, const EffectiveSettings& s,
                            const PerformanceSummary& r) {
  log.add("result_validity", std::string(r.valid ? "VALID" : "INVALID"));
  if (s.scenario == Scenario::Server)
    log.add("result_perf_constraints_met", r.perf_constraints_met);
  log.add("result_min_duration_met", r.min_duration_met);
  log.add("result_min_queries_met", r.min_queries_met);
  log.add("early_stopping_met", r.early_stopping_met);
  if (!r.valid) log.add("result_invalid_reason", invalid_reason(r));
  std::string early_stopping = r.early_stopping_result;
  std::replace(early_stopping.begin(), early_stopping.end(), '\n', ' ');
  log.add("early_stopping_result", early_stopping);
  log.add("result_query_count", r.query_count);
  if (s.scenario == Scenario::Server)
    log.add("result_overlatency_query_count", r.overlatency_query_count);

  switch (s.scenario) {
    case Scenario::SingleStream:
      log.add("result_qps_with_loadgen_overhead", r.qps_with_loadgen_overhead);
      log.add("result_qps_without_loadgen_overhead", r.qps_without_loadgen_overhead);
      log.add("early_stopping_latency_ss", r.early_stopping_latency_ss);
      log.add("early_stopping_latency_ms", r.early_stopping_latency_ms);
      break;
    case Scenario::MultiStream:
      log_stats(log, "result_", "query_latency_ns", *r.query_latency);
      log_percentiles(log, "_percentile_per_query_latency_ns", *r.query_latency);
      log.add("early_stopping_latency_ms", r.early_stopping_latency_ms);
      break;
    case Scenario::Server:
      log.add("result_scheduled_samples_per_sec", r.scheduled_samples_per_second);
      log.add("result_completed_samples_per_sec", r.completed_samples_per_second);
      break;
    case Scenario::Offline:
      log.add("result_samples_per_second", r.samples_per_second);
      break;
  }
  log_stats(log, "result_", "latency_ns", r.sample_latency);
  log_percentiles(log, "_percentile_latency_ns", r.sample_latency);
}

}  // namespace zenith::loadgen
