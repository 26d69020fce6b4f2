// ResponseTracker: where completions of one run land. A ResponseId is the address of the
// sample's slot here, so completion needs no lookup and no global state.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "loadgen/query_generation.h"
#include "loadgen/query_sample.h"

namespace zenith::loadgen {

using Clock = std::chrono::steady_clock;

// One sample's response, kept in accuracy mode (completion order).
struct AccuracyResponse {
  std::uint64_t sequence_id;
  QuerySampleIndex index;
  std::vector<std::uint8_t> data;
};

class ResponseTracker;

struct SampleSlot {
  ResponseTracker* tracker;
  std::size_t sequence_id;  // issue order over all samples of the run
  std::size_t query;
  QuerySampleIndex index;
};

class ResponseTracker {
 public:
  ResponseTracker(const GeneratedQueries& queries, bool keep_responses);
  ResponseTracker(const ResponseTracker&) = delete;
  ResponseTracker& operator=(const ResponseTracker&) = delete;

  ResponseId response_id(std::size_t sequence_id) const {
    return reinterpret_cast<ResponseId>(&slots_[sequence_id]);
  }
  // Latency counts from here (LOADGEN.md §5). REQUIRES: before the query is issued.
  void set_scheduled_time(std::size_t query, Clock::time_point t) { scheduled_[query] = t; }
  Clock::time_point scheduled_time(std::size_t query) const { return scheduled_[query]; }

  void complete(const SampleSlot& slot, const QuerySampleResponse& response, Clock::time_point now);

  std::size_t completed_queries() const;
  // Blocks until at least `count` queries have all their samples complete.
  void wait_for_completed_queries(std::size_t count);

  // After wait_for_completed_queries(issued): no completion is in flight any more.
  std::int64_t sample_latency_ns(std::size_t sequence_id) const { return latency_ns_[sequence_id]; }
  Clock::time_point query_done_time(std::size_t query) const { return done_[query]; }
  std::vector<AccuracyResponse> take_responses() { return std::move(responses_); }

 private:
  std::vector<SampleSlot> slots_;
  std::vector<Clock::time_point> scheduled_;
  std::vector<Clock::time_point> done_;
  std::vector<std::int64_t> latency_ns_;
  std::unique_ptr<std::atomic<std::size_t>[]> remaining_;
  const bool keep_responses_;

  mutable std::mutex mutex_;
  std::condition_variable query_done_;
  std::size_t completed_queries_ = 0;
  std::vector<AccuracyResponse> responses_;
};

}  // namespace zenith::loadgen
