// run_test: settings, loading, generation, issue and summary in official StartTest's order.
#include "loadgen/run_test.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "loadgen/issue_queries.h"
#include "loadgen/loadable_sets.h"
#include "loadgen/query_generation.h"
#include "loadgen/result_events.h"
#include "loadgen/version.h"
#include "zenith/error.h"

namespace zenith::loadgen {
namespace {

struct Run {
  SystemUnderTest& sut;
  QuerySampleLibrary& qsl;
  TestResult& result;
};

void load(Run& run, const LoadableSet& set) {
  run.result.log.add("loaded_qsl_set", set.samples);
  run.qsl.load_samples(set.samples);
}

IssueRecord issue(Run& run, const EffectiveSettings& e, const LoadableSet& set, TestMode mode) {
  const GeneratedQueries queries = generate_queries(e, set, mode);
  EventLog& log = run.result.log;
  log.add("generated_query_count", queries.query_count());
  log.add("generated_samples_per_query", queries.samples_per_query);
  log.add("generated_query_duration", static_cast<std::uint64_t>(queries.duration.count()));
  return issue_queries(run.sut, e, queries, mode, log);
}

PerformanceSummary performance_run(Run& run, const EffectiveSettings& e) {
  const std::vector<LoadableSet> sets =
      generate_loadable_sets(e, run.qsl.total_sample_count(), run.qsl.total_sample_count());
  load(run, sets.front());
  const IssueRecord record = issue(run, e, sets.front(), TestMode::Performance);
  run.qsl.unload_samples(sets.front().samples);
  if (record.queries_issued == 0) {
    throw Error(Error::Kind::InvalidArgument,
                "LoadGen: no query was issued (max_query_count or max_duration_ms stopped the "
                "run before its first query)");
  }
  return summarize(e, record);
}

void accuracy_run(Run& run, const EffectiveSettings& e) {
  const std::vector<LoadableSet> sets =
      generate_loadable_sets(e, e.accuracy_sample_count, run.qsl.total_sample_count());
  std::uint64_t sequence_base = 0;
  for (const LoadableSet& set : sets) {
    load(run, set);
    IssueRecord record = issue(run, e, set, TestMode::Accuracy);
    run.qsl.unload_samples(set.samples);
    // Sequence ids count over the whole test, as official numbers them.
    for (AccuracyResponse& r : record.responses) {
      r.sequence_id += sequence_base;
      run.result.accuracy_responses.push_back(std::move(r));
    }
    sequence_base += record.sample_latencies_ns.size();
  }
}

// Find-peak stops when the bounds agree to the requested decimals.
bool bounds_close(const EffectiveSettings& lower, const EffectiveSettings& upper) {
  const double scale = std::pow(10.0, lower.server_find_peak_qps_decimals_of_precision);
  return std::floor(lower.target_qps * scale) + 1 >= std::floor(upper.target_qps * scale);
}

struct Bound {
  EffectiveSettings settings;
  PerformanceSummary summary;
};

Bound performance_at(Run& run, EffectiveSettings e, double qps) {
  e.target_qps = qps;
  run.result.log.message(fmt::format("FindPeakPerformance: running at target QPS {}", qps));
  return {e, performance_run(run, e)};
}

// Official's find-peak: widen the QPS by (1 + step) until the latency bound fails, then
// bisect between the last passing and the first failing QPS. Only the latency bound (the
// performance constraint) decides, as in official.
Bound find_peak(Run& run, const EffectiveSettings& base) {
  Bound lower{base, performance_run(run, base)};
  if (!lower.summary.perf_constraints_met) {
    run.result.log.error("error_runtime",
                         "FindPeakPerformance: the initial target QPS does not meet the latency "
                         "bound; lower server_target_qps");
    return lower;
  }
  Bound upper = lower;
  for (;;) {
    upper = performance_at(
        run, lower.settings,
        lower.settings.target_qps * (1.0 + base.server_find_peak_qps_boundary_step_size));
    if (!upper.summary.perf_constraints_met) break;
    lower = upper;
  }
  while (!bounds_close(lower.settings, upper.settings)) {
    const double mid =
        lower.settings.target_qps + (upper.settings.target_qps - lower.settings.target_qps) / 2;
    Bound middle = performance_at(run, lower.settings, mid);
    (middle.summary.perf_constraints_met ? lower : upper) = std::move(middle);
  }
  run.result.log.message(
      fmt::format("FindPeakPerformance: peak target QPS {}", lower.settings.target_qps));
  return lower;
}

void log_header(TestResult& r, const QuerySampleLibrary& qsl) {
  r.log.add("loadgen_version", std::string(kLoadGenVersion));
  r.log.add("test_datetime",
            fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(
                                                     std::chrono::system_clock::now())));
  r.log.add("sut_name", r.sut_name);
  r.log.add("qsl_name", r.qsl_name);
  r.log.add("qsl_reported_total_count", r.qsl_total_sample_count);
  r.log.add("qsl_reported_performance_count", r.qsl_performance_sample_count);
}

}  // namespace

TestResult run_test(SystemUnderTest& sut, QuerySampleLibrary& qsl, const TestSettings& settings) {
  TestResult result;
  result.sut_name = sut.name();
  result.qsl_name = qsl.name();
  result.qsl_total_sample_count = qsl.total_sample_count();
  result.qsl_performance_sample_count = qsl.performance_sample_count();
  result.requested = settings;
  result.effective =
      normalize(settings, result.qsl_total_sample_count, result.qsl_performance_sample_count);
  log_header(result, qsl);
  log_requested_settings(result.log, settings);
  log_effective_settings(result.log, result.effective);

  Run run{sut, qsl, result};
  switch (settings.mode) {
    case TestMode::Performance:
      result.log.message("Starting performance mode");
      result.performance = performance_run(run, result.effective);
      break;
    case TestMode::Accuracy:
      result.log.message("Starting accuracy mode");
      accuracy_run(run, result.effective);
      return result;
    case TestMode::FindPeak: {
      result.log.message("Starting FindPeakPerformance mode");
      Bound peak = find_peak(run, result.effective);
      result.effective = peak.settings;
      result.performance = std::move(peak.summary);
      break;
    }
  }
  log_performance_result(result.log, result.effective, *result.performance);
  return result;
}

}  // namespace zenith::loadgen
