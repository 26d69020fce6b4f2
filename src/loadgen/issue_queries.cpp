// The issuing loop.
#include "loadgen/issue_queries.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace zenith::loadgen {
namespace {

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Outstanding queries allowed before the next issue waits for a completion (0: no limit). In
// Server nothing waits: an open-loop test that blocked would turn closed-loop, so exceeding
// max_async_queries ends the test instead, as the official LoadGen does.
std::size_t outstanding_limit(const EffectiveSettings& s) {
  return s.scenario == Scenario::Server ? 0 : 1;
}

bool stop_early(const EffectiveSettings& s, std::size_t issued, Clock::duration elapsed,
                EventLog& log) {
  if (s.max_query_count != 0 && issued >= s.max_query_count) {
    log.error("error_runtime", "Ending early: Max query count reached.");
    return true;
  }
  if (s.max_duration_ms != 0 && elapsed >= std::chrono::milliseconds(s.max_duration_ms)) {
    log.error("error_runtime", "Ending early: Max test duration reached.");
    return true;
  }
  return false;
}

}  // namespace

IssueRecord issue_queries(SystemUnderTest& sut, const EffectiveSettings& s,
                          const GeneratedQueries& queries, TestMode mode, EventLog& log) {
  const bool accuracy = mode == TestMode::Accuracy;
  ResponseTracker tracker(queries, accuracy);
  const std::size_t limit = outstanding_limit(s);
  std::vector<QuerySample> batch;
  IssueRecord record;
  Clock::time_point last_issue{};
  bool ended_naturally = false;

  const Clock::time_point start = Clock::now();
  std::size_t q = 0;
  for (; q < queries.query_count(); ++q) {
    if (limit != 0 && q >= limit) tracker.wait_for_completed_queries(q - limit + 1);
    if (!accuracy && stop_early(s, q, Clock::now() - start, log)) break;

    Clock::time_point scheduled = start;
    if (s.scenario == Scenario::Server) {
      scheduled = start + queries.scheduled_offsets[q];
      std::this_thread::sleep_until(scheduled);
    } else if (s.scenario != Scenario::Offline) {
      // SingleStream / MultiStream: latency excludes the gap since the previous completion.
      scheduled = Clock::now();
    }
    tracker.set_scheduled_time(q, scheduled);
    batch.clear();
    for (std::size_t i = queries.query_begin[q]; i < queries.query_begin[q + 1]; ++i)
      batch.push_back({tracker.response_id(i), queries.samples[i]});
    last_issue = Clock::now();
    sut.issue_query(batch);

    if (s.scenario == Scenario::Server && s.max_async_queries != 0) {
      const std::size_t outstanding = q + 1 - tracker.completed_queries();
      if (outstanding > s.max_async_queries) {
        log.error("error_runtime",
                  fmt::format("Ending early: Too many outstanding queries. issued: {}, "
                              "outstanding: {}",
                              q + 1, outstanding));
        ++q;
        break;
      }
    }

    // The issue time, as the summary's min-duration check reads it: Clock::now() here would be
    // later by however long issue_query() took, and a run could end with that check failing.
    if (!accuracy && s.scenario != Scenario::Server && q + 1 >= s.min_query_count &&
        last_issue - start >= std::chrono::milliseconds(s.target_duration_ms)) {
      log.message("Ending naturally: Minimum query count and test duration met.");
      ended_naturally = true;
      ++q;
      break;
    }
  }
  if (!accuracy && s.scenario != Scenario::Server && !ended_naturally &&
      q == queries.query_count()) {
    log.error("error_runtime",
              "Ending early: Ran out of generated queries to issue before the minimum query "
              "count and test duration were reached. Please update the relevant expected "
              "latency or target qps in the TestSettings so they are more accurate.");
  }
  sut.flush_queries();
  tracker.wait_for_completed_queries(q);

  record.queries_issued = q;
  if (q == 0) return record;
  const std::size_t issued_samples = queries.query_begin[q];
  record.sample_latencies_ns.reserve(issued_samples);
  for (std::size_t i = 0; i < issued_samples; ++i)
    record.sample_latencies_ns.push_back(tracker.sample_latency_ns(i));
  record.sample_scheduled_s.reserve(issued_samples);
  for (std::size_t i = 0; i < q; ++i)
    record.sample_scheduled_s.insert(record.sample_scheduled_s.end(),
                                     queries.query_begin[i + 1] - queries.query_begin[i],
                                     seconds(tracker.scheduled_time(i) - start));
  for (std::size_t i = 0; i < q; ++i) {
    record.query_latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            tracker.query_done_time(i) - tracker.scheduled_time(i))
                                            .count());
  }
  record.final_query_issued_s = seconds(last_issue - start);
  record.final_query_scheduled_s = seconds(tracker.scheduled_time(q - 1) - start);
  record.final_query_all_samples_done_s = seconds(tracker.query_done_time(q - 1) - start);
  record.max_latency_s = static_cast<double>(*std::max_element(record.sample_latencies_ns.begin(),
                                                               record.sample_latencies_ns.end())) /
                         1e9;
  record.responses = tracker.take_responses();
  return record;
}

}  // namespace zenith::loadgen
