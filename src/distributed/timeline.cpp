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

void Timeline::add(Lane lane, const Interval& interval, int64_t step) {
  events_.push_back({lane, interval, step});
  const double s = seconds(interval);
  const std::string name = interval.name;
  if (lane == Lane::Communication)
    totals_.communication += s;
  else if (name == "wait")
    totals_.waiting += s;
  else
    totals_.compute += s;
}

std::string Timeline::events_json(int rank) const {
  std::string out;
  const auto micros = [&](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::micro>(t - origin_).count();
  };
  for (const Event& e : events_) {
    if (!out.empty()) out += ",\n";
    const std::string name = e.interval.bucket >= 0
                                 ? fmt::format("{} bucket {}", e.interval.name, e.interval.bucket)
                                 : std::string(e.interval.name);
    out += fmt::format(
        R"({{"name":"{}","ph":"X","pid":{},"tid":{},"ts":{:.1f},"dur":{:.1f},"args":{{"step":{}}}}})",
        name, rank, static_cast<int>(e.lane), micros(e.interval.start),
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
