// ResponseTracker and query_samples_complete.
#include "loadgen/response_tracker.h"

#include "loadgen/query_samples_complete.h"

namespace zenith::loadgen {

ResponseTracker::ResponseTracker(const GeneratedQueries& queries, bool keep_responses)
    : scheduled_(queries.query_count()),
      done_(queries.query_count()),
      latency_ns_(queries.samples.size(), 0),
      remaining_(new std::atomic<std::size_t>[queries.query_count()]),
      keep_responses_(keep_responses) {
  slots_.reserve(queries.samples.size());
  for (std::size_t q = 0; q < queries.query_count(); ++q) {
    const std::size_t n = queries.query(q).size();
    remaining_[q].store(n, std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t sequence_id = slots_.size();
      slots_.push_back({this, sequence_id, q, queries.samples[sequence_id]});
    }
  }
}

void ResponseTracker::complete(const SampleSlot& slot, const QuerySampleResponse& response,
                               Clock::time_point now) {
  latency_ns_[slot.sequence_id] =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - scheduled_[slot.query]).count();
  if (keep_responses_) {
    const auto* bytes = static_cast<const std::uint8_t*>(response.data);
    std::lock_guard<std::mutex> lock(mutex_);
    responses_.push_back({slot.sequence_id, slot.index, {bytes, bytes + response.size_bytes}});
  }
  // acq_rel: the thread completing a query's last sample sees the other samples' latencies.
  if (remaining_[slot.query].fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_[slot.query] = now;
    ++completed_queries_;
  }
  query_done_.notify_all();
}

std::size_t ResponseTracker::completed_queries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return completed_queries_;
}

void ResponseTracker::wait_for_completed_queries(std::size_t count) {
  std::unique_lock<std::mutex> lock(mutex_);
  query_done_.wait(lock, [&] { return completed_queries_ >= count; });
}

void query_samples_complete(std::span<const QuerySampleResponse> responses) {
  const Clock::time_point now = Clock::now();
  for (const QuerySampleResponse& r : responses) {
    const auto* slot = reinterpret_cast<const SampleSlot*>(r.id);
    slot->tracker->complete(*slot, r, now);
  }
}

}  // namespace zenith::loadgen
