// Timeline: complete ("X") events in microseconds, plus metadata events naming the processes
// (ranks) and threads (lanes), the form chrome://tracing and Perfetto read.
#include "distributed/timeline.h"

#include <fmt/format.h>

#include <fstream>

#include "ir/errors.h"

namespace zenith::distributed {
namespace {

double seconds(const Interval& i) { return std::chrono::duration<double>(i.end - i.start).count(); }

const char* lane_name(Lane lane) { return lane == Lane::Compute ? "compute" : "communication"; }

}  // namespace

void Timeline::add(const Interval& interval, int64_t step) {
  events_.push_back({interval, step});
  const double s = seconds(interval);
  const std::string name = interval.name;
  const bool collective = name == "allreduce" || name == "collective";
  if (collective) totals_.communication += s;
  if (interval.lane == Lane::Communication) return;
  if (collective || name == "wait")
    totals_.exposed += s;
  else
    totals_.compute += s;
}

std::string Timeline::events_json(int rank) const {
  std::string out;
  // Whole microseconds, each end rounded alike: an interval that starts where another ends, or
  // inside it, still does in the file (ts and dur rounded apart had a forward pass end 0.1 us
  // after the backward pass began, and speedscope then nested every later event in it).
  const auto micros = [&](std::chrono::steady_clock::time_point t) {
    return std::chrono::floor<std::chrono::microseconds>(t - origin_).count();
  };
  for (const Event& e : events_) {
    if (!out.empty()) out += ",\n";
    const std::string name = e.interval.bucket >= 0
                                 ? fmt::format("{} bucket {}", e.interval.name, e.interval.bucket)
                                 : std::string(e.interval.name);
    out += fmt::format(
        R"({{"name":"{}","ph":"X","pid":{},"tid":{},"ts":{},"dur":{},"args":{{"step":{}}}}})", name,
        rank, static_cast<int>(e.interval.lane), micros(e.interval.start),
        micros(e.interval.end) - micros(e.interval.start), e.step);
  }
  return out;
}

void write_trace(const std::string& path, const std::vector<std::string>& rank_events) {
  std::string body;
  const auto add = [&](const std::string& event) {
    if (event.empty()) return;
    if (!body.empty()) body += ",\n";
    body += event;
  };
  for (size_t rank = 0; rank < rank_events.size(); ++rank) {
    add(fmt::format(R"({{"name":"process_name","ph":"M","pid":{},"args":{{"name":"rank {}"}}}})",
                    rank, rank));
    for (Lane lane : {Lane::Compute, Lane::Communication})
      add(fmt::format(
          R"({{"name":"thread_name","ph":"M","pid":{},"tid":{},"args":{{"name":"{}"}}}})", rank,
          static_cast<int>(lane), lane_name(lane)));
    add(rank_events[rank]);
  }
  std::ofstream file(path, std::ios::binary);
  file << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n" << body << "\n]}\n";
  if (!file.flush()) throw_invalid_argument("--timeline {}: could not write the trace file", path);
}

}  // namespace zenith::distributed
