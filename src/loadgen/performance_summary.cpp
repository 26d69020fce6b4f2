// Metrics, validity rules and early-stopping texts of official LoadGen's results.cc.
#include "loadgen/performance_summary.h"

#include <fmt/format.h>

#include <algorithm>

#include "loadgen/early_stopping.h"

namespace zenith::loadgen {
namespace {

// MultiStream is inferred from SingleStream runs at this percentile (LOADGEN.md §8).
constexpr double kMultiStreamPercentile = 0.99;

std::string percentile_name(double p) { return fixed(p * 100, 0); }

// SingleStream / MultiStream: the estimate's text; nullopt-like `false` when too few queries.
bool latency_estimate(const std::vector<std::int64_t>& sorted, double p, std::string& text,
                      std::int64_t& estimate) {
  const auto n = static_cast<std::int64_t>(sorted.size());
  const std::int64_t needed = min_passing_queries(1, p) + 1;
  const std::optional<std::int64_t> t = early_stopping_t(n, p);
  if (!t) {
    text = fmt::format(
        " * Only processed {} queries.\n * Need to process at least {} queries "
        "for early stopping.",
        n, needed);
    return false;
  }
  estimate = sorted[n - *t];
  text = fmt::format(
      " * Processed at least {} queries ({}).\n * Would discard {} highest "
      "latency queries.\n * Early stopping {}th percentile estimate: {}",
      needed, n, *t - 1, percentile_name(p), estimate);
  return true;
}

void single_stream_p99_estimate(const std::vector<std::int64_t>& sorted, PerformanceSummary& out) {
  const auto n = static_cast<std::int64_t>(sorted.size());
  const std::optional<std::int64_t> t = early_stopping_t(n, kMultiStreamPercentile);
  if (!t) {
    out.early_stopping_result += fmt::format(
        "\n * Not enough queries processed for {}th percentile\n early stopping estimate (would "
        "need to process at\n least {} total queries).",
        percentile_name(kMultiStreamPercentile),
        min_passing_queries(1, kMultiStreamPercentile) + 1);
    return;
  }
  out.early_stopping_latency_ms = sorted[n - *t];
  out.early_stopping_result +=
      fmt::format("\n * Early stopping {}th percentile estimate: {}",
                  percentile_name(kMultiStreamPercentile), out.early_stopping_latency_ms);
}

void server_early_stopping(const EffectiveSettings& s, PerformanceSummary& out) {
  const auto n = static_cast<std::int64_t>(out.query_count);
  const auto t = static_cast<std::int64_t>(out.overlatency_query_count);
  const std::int64_t h = min_passing_queries(t, s.target_latency_percentile);
  out.early_stopping_met = n >= h + t;
  out.early_stopping_result =
      out.early_stopping_met
          ? " * Run successful."
          : fmt::format(
                " * Run unsuccessful.\n * Processed {} queries.\n * Would need to run at "
                "least {} more queries,\n with the run being successful if every "
                "additional\n query were under latency.",
                n, h + t - n);
}

void check_min_duration(const EffectiveSettings& s, PerformanceSummary& out) {
  const double min_duration_s = static_cast<double>(s.min_duration_ms) / 1000.0;
  switch (s.scenario) {
    case Scenario::SingleStream:
    case Scenario::MultiStream:
      out.min_duration_met = out.final_query_issued_s >= min_duration_s;
      out.min_duration_recommendation =
          "Decrease the expected latency so the loadgen pre-generates more queries.";
      break;
    case Scenario::Server:
      out.min_duration_met = out.final_query_scheduled_s >= min_duration_s;
      out.min_duration_recommendation =
          "Increase the target QPS so the loadgen pre-generates more queries.";
      break;
    case Scenario::Offline:
      // The SUT must be slow enough: a too small expected QPS gives too small a query.
      out.min_duration_met = out.max_latency_s >= min_duration_s;
      out.min_duration_recommendation =
          "Increase expected QPS so the loadgen pre-generates a larger (coalesced) query.";
      break;
  }
  if (out.min_duration_met) out.min_duration_recommendation.clear();
}

}  // namespace

std::string fixed(double value, int decimals) { return fmt::format("{:.{}f}", value, decimals); }

PerformanceSummary summarize(const EffectiveSettings& s, const IssueRecord& record) {
  PerformanceSummary out;
  out.sample_count = record.sample_latencies_ns.size();
  out.query_count = record.queries_issued;
  out.final_query_issued_s = record.final_query_issued_s;
  out.final_query_scheduled_s = record.final_query_scheduled_s;
  out.final_query_all_samples_done_s = record.final_query_all_samples_done_s;
  out.max_latency_s = record.max_latency_s;
  out.sample_latencies_ns = record.sample_latencies_ns;
  out.sample_scheduled_s = record.sample_scheduled_s;

  std::vector<std::int64_t> samples = record.sample_latencies_ns;
  std::sort(samples.begin(), samples.end());
  out.sample_latency = latency_stats(samples, s.target_latency_percentile);
  std::vector<std::int64_t> queries = record.query_latencies_ns;
  std::sort(queries.begin(), queries.end());
  if (s.scenario == Scenario::MultiStream)
    out.query_latency = latency_stats(queries, s.target_latency_percentile);

  const double n = static_cast<double>(out.sample_count);
  switch (s.scenario) {
    case Scenario::SingleStream:
      out.qps_with_loadgen_overhead = (n - 1) / out.final_query_issued_s;
      out.qps_without_loadgen_overhead = 1e9 / static_cast<double>(out.sample_latency.mean_ns);
      out.early_stopping_met =
          latency_estimate(samples, s.target_latency_percentile, out.early_stopping_result,
                           out.early_stopping_latency_ss);
      single_stream_p99_estimate(samples, out);
      break;
    case Scenario::MultiStream:
      out.early_stopping_met =
          latency_estimate(queries, s.target_latency_percentile, out.early_stopping_result,
                           out.early_stopping_latency_ms);
      break;
    case Scenario::Server:
      out.overlatency_query_count = static_cast<std::size_t>(
          samples.end() - std::upper_bound(samples.begin(), samples.end(),
                                           static_cast<std::int64_t>(s.target_latency_ns)));
      // (n - 1): the last sample's start closes the measured interval [first, last).
      out.completed_samples_per_second = (n - 1) / out.final_query_all_samples_done_s;
      out.scheduled_samples_per_second = (n - 1) / out.final_query_scheduled_s;
      out.perf_constraints_met =
          out.sample_latency.target_ns <= static_cast<std::int64_t>(s.target_latency_ns);
      if (!out.perf_constraints_met)
        out.perf_constraints_recommendation = "Reduce target QPS to improve latency.";
      server_early_stopping(s, out);
      break;
    case Scenario::Offline:
      out.samples_per_second = n / out.max_latency_s;
      break;
  }
  check_min_duration(s, out);
  out.min_queries_met =
      out.query_count >= s.min_query_count && out.sample_count >= s.min_sample_count;
  out.valid = out.min_duration_met && out.min_queries_met && out.perf_constraints_met &&
              out.early_stopping_met;
  return out;
}

}  // namespace zenith::loadgen
