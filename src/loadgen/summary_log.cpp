// mlperf_log_summary.txt in official LoadGen's layout: the lines, labels and spacing that
// MLPerf tooling greps for.
#include <fmt/format.h>

#include "loadgen/log_files.h"

namespace zenith::loadgen {
namespace {

constexpr const char* kRule = "================================================";

// ostream's default: 6 significant digits.
std::string plain(double value) { return fmt::format("{:.6g}", value); }

void section(std::ostream& out, const char* title) {
  out << kRule << '\n' << title << '\n' << kRule << '\n';
}

void headline(std::ostream& out, const EffectiveSettings& s, const PerformanceSummary& r) {
  const std::string percentile = fixed(s.target_latency_percentile * 100, 1);
  switch (s.scenario) {
    case Scenario::SingleStream:
      out << percentile << "th percentile latency (ns) : " << r.sample_latency.target_ns << '\n';
      break;
    case Scenario::MultiStream:
      out << percentile << "th percentile latency (ns) : " << r.query_latency->target_ns << '\n';
      break;
    case Scenario::Server:
      out << "Completed samples per second    : " << fixed(r.completed_samples_per_second) << '\n';
      break;
    case Scenario::Offline:
      out << "Samples per second: " << plain(r.samples_per_second) << '\n';
      break;
  }
}

const char* yes_no(bool value) { return value ? "Yes" : "NO"; }

void verdict(std::ostream& out, const EffectiveSettings& s, const PerformanceSummary& r) {
  out << "Result is : " << (r.valid ? "VALID" : "INVALID") << '\n';
  if (s.scenario == Scenario::Server)
    out << "  Performance constraints satisfied : " << yes_no(r.perf_constraints_met) << '\n';
  out << "  Min duration satisfied : " << yes_no(r.min_duration_met) << '\n';
  out << "  Min queries satisfied : " << yes_no(r.min_queries_met) << '\n';
  out << "  Early stopping satisfied: " << yes_no(r.early_stopping_met) << '\n';
  if (!r.valid) {
    out << "Recommendations:\n";
    if (!r.perf_constraints_met) out << " * " << r.perf_constraints_recommendation << '\n';
    if (!r.min_duration_met) out << " * " << r.min_duration_recommendation << '\n';
    if (!r.min_queries_met)
      out << " * The test exited early, before enough queries were issued.\n"
             "   See the detailed log for why this may have occurred.\n";
  }
  if (s.scenario != Scenario::Offline)
    out << "Early Stopping Result:\n" << r.early_stopping_result << '\n';
}

void latency_lines(std::ostream& out, const LatencyStats& stats) {
  out << "Min latency (ns)                : " << stats.min_ns << '\n';
  out << "Max latency (ns)                : " << stats.max_ns << '\n';
  out << "Mean latency (ns)               : " << stats.mean_ns << '\n';
  for (std::size_t i = 0; i < std::size(kReportedPercentiles); ++i) {
    out << fixed(kReportedPercentiles[i] * 100)
        << " percentile latency (ns)   : " << stats.reported_ns[i] << '\n';
  }
}

void additional_stats(std::ostream& out, const EffectiveSettings& s, const PerformanceSummary& r) {
  out << '\n';
  section(out, "Additional Stats");
  if (s.scenario == Scenario::SingleStream) {
    out << "QPS w/ loadgen overhead         : " << fixed(r.qps_with_loadgen_overhead) << '\n';
    out << "QPS w/o loadgen overhead        : " << fixed(r.qps_without_loadgen_overhead) << '\n';
    out << '\n';
  } else if (s.scenario == Scenario::Server) {
    out << "Scheduled samples per second : " << fixed(r.scheduled_samples_per_second) << '\n';
  } else if (s.scenario == Scenario::MultiStream) {
    out << "Per-query latency:  \n";
    latency_lines(out, *r.query_latency);
  }
  if (s.scenario != Scenario::MultiStream) latency_lines(out, r.sample_latency);
}

void parameters(std::ostream& out, const EffectiveSettings& s) {
  out << '\n';
  section(out, "Test Parameters Used");
  out << "samples_per_query : " << s.samples_per_query << '\n';
  out << "target_qps : " << plain(s.target_qps) << '\n';
  out << "target_latency (ns): " << s.target_latency_ns << '\n';
  out << "max_async_queries : " << s.max_async_queries << '\n';
  out << "min_duration (ms): " << s.min_duration_ms << '\n';
  out << "max_duration (ms): " << s.max_duration_ms << '\n';
  out << "min_query_count : " << s.min_query_count << '\n';
  out << "max_query_count : " << s.max_query_count << '\n';
  out << "qsl_rng_seed : " << s.qsl_rng_seed << '\n';
  out << "sample_index_rng_seed : " << s.sample_index_rng_seed << '\n';
  out << "schedule_rng_seed : " << s.schedule_rng_seed << '\n';
  out << "accuracy_log_rng_seed : " << s.accuracy_log_rng_seed << '\n';
  out << "accuracy_log_probability : " << plain(s.accuracy_log_probability) << '\n';
  out << "accuracy_log_sampling_target : " << s.accuracy_log_sampling_target << '\n';
  out << "print_timestamps : " << s.print_timestamps << '\n';
  out << "performance_issue_unique : " << s.performance_issue_unique << '\n';
  out << "performance_issue_same : " << s.performance_issue_same << '\n';
  out << "performance_issue_same_index : " << s.performance_issue_same_index << '\n';
  out << "performance_sample_count : " << s.performance_sample_count << '\n';
  out << "accuracy_sample_count : " << s.accuracy_sample_count << '\n';
}

std::string count_line(std::size_t n, const char* one, const char* many) {
  return n == 1 ? fmt::format("1 {} encountered. See detailed log.", one)
                : fmt::format("{} {} encountered. See detailed log.", n, many);
}

}  // namespace

void write_summary_log(const TestResult& result, std::ostream& out) {
  const EffectiveSettings& s = result.effective;
  section(out, "MLPerf Results Summary");
  out << "SUT name : " << result.sut_name << '\n';
  out << "Scenario : " << to_string(s.scenario) << '\n';
  out << "Mode     : " << to_string(s.mode) << '\n';
  if (result.performance) {
    headline(out, s, *result.performance);
    verdict(out, s, *result.performance);
    additional_stats(out, s, *result.performance);
  }
  parameters(out, s);
  const std::size_t warnings = result.log.warning_count();
  const std::size_t errors = result.log.error_count();
  out << '\n'
      << (warnings == 0 ? "No warnings encountered during test."
                        : count_line(warnings, "warning", "warnings"))
      << "\n\n"
      << (errors == 0 ? "No errors encountered during test."
                      : count_line(errors, "ERROR", "ERRORS"))
      << '\n';
}

}  // namespace zenith::loadgen
