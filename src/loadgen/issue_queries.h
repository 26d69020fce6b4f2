// issue_queries: hands pre-generated queries to a SUT on each scenario's schedule and blocks
// until every issued sample has completed (LOADGEN.md §4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "loadgen/effective_settings.h"
#include "loadgen/event_log.h"
#include "loadgen/query_generation.h"
#include "loadgen/response_tracker.h"
#include "loadgen/system_under_test.h"

namespace zenith::loadgen {

// What a run measured; times are seconds from the test start.
struct IssueRecord {
  std::size_t queries_issued = 0;
  std::vector<std::int64_t> sample_latencies_ns;  // issued samples, in issue order
  std::vector<double> sample_scheduled_s;  // when each sample's query was due, from the start
  std::vector<std::int64_t> query_latencies_ns;   // issued queries: last completion - scheduled
  double final_query_issued_s = 0.0;
  double final_query_scheduled_s = 0.0;
  double final_query_all_samples_done_s = 0.0;
  double max_latency_s = 0.0;
  std::vector<AccuracyResponse> responses;  // accuracy mode only, in completion order
};

// SingleStream / MultiStream issue a query when the previous one has completed; Server issues at
// the scheduled offsets; Offline issues its one query. Accuracy mode issues every query;
// otherwise SingleStream / MultiStream / Offline stop once min query count and target duration
// are both met. Ending early (max query count, max duration, running out of queries) is logged
// to `log` as an error, as official does.
IssueRecord issue_queries(SystemUnderTest& sut, const EffectiveSettings& settings,
                          const GeneratedQueries& queries, TestMode mode, EventLog& log);

}  // namespace zenith::loadgen
