// Where a data-parallel run's time goes, per rank: a compute lane (forward, backward, waiting
// for communication, the collectives with nothing left to overlap, the optimizer) and a
// communication lane (the other buckets' allreduces). Written as Chrome's trace-event JSON
// (chrome://tracing, ui.perfetto.dev): each rank a process, each lane a thread, each interval a
// complete event.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "distributed/gradient_reducer.h"

namespace zenith::distributed {

class Timeline {
 public:
  // Times are shown relative to `origin` (the ranks take it right after a barrier).
  explicit Timeline(std::chrono::steady_clock::time_point origin) : origin_(origin) {}

  void add(const Interval& interval, int64_t step);

  // Seconds over the whole run: computing (forward, backward, optimizer), communicating (in
  // collectives, on either lane), and communication the compute lane did not overlap: its
  // waits for the communication thread and the collectives it ran itself.
  struct Totals {
    double compute = 0, communication = 0, exposed = 0;
  };
  Totals totals() const { return totals_; }

  // This rank's events as JSON objects separated by commas (what write_trace gathers).
  std::string events_json(int rank) const;

 private:
  struct Event {
    Interval interval;
    int64_t step;
  };
  std::chrono::steady_clock::time_point origin_;
  std::vector<Event> events_;
  Totals totals_;
};

// Writes the trace file at `path` from every rank's events_json, in rank order, naming each
// rank's process and lanes. Throws InvalidArgument naming the path if it cannot be written.
void write_trace(const std::string& path, const std::vector<std::string>& rank_events);

}  // namespace zenith::distributed
