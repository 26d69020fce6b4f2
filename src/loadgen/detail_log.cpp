// mlperf_log_detail.txt (one ":::MLLOG {json}" line per event), zenith_latencies.csv and
// write_logs.
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <thread>

#include "loadgen/log_files.h"
#include "zenith/error.h"

namespace zenith::loadgen {
namespace {

void write_event(std::ostream& out, const LogEvent& e, long pid, std::size_t tid) {
  out << fmt::format(
      ":::MLLOG {{\"key\": {}, \"value\": {}, \"time_ms\": {:.6f}, \"namespace\": "
      "\"mlperf::logging\", \"event_type\": \"POINT_IN_TIME\", \"metadata\": {{\"is_error\": "
      "{}, \"is_warning\": {}, \"file\": {}, \"line_no\": {}, \"pid\": {}, \"tid\": {}}}}}\n",
      json_value(e.key), e.value_json, e.time_ms, json_value(e.is_error), json_value(e.is_warning),
      json_value(e.file), e.line, pid, tid);
}

template <typename Writer>
void write_file(const std::filesystem::path& path, const TestResult& result, Writer writer) {
  std::ofstream out(path);
  if (out) writer(result, out);
  out.flush();
  if (!out)
    throw Error(Error::Kind::InvalidArgument,
                fmt::format("{}: cannot write the MLPerf log file", path.string()));
}

}  // namespace

void write_detail_log(const TestResult& result, std::ostream& out) {
  const long pid = static_cast<long>(::getpid());
  const std::size_t tid = std::hash<std::thread::id>{}(std::this_thread::get_id());
  const std::vector<LogEvent>& events = result.log.events();
  for (const LogEvent& e : events) write_event(out, e, pid, tid);
  LogEvent num_errors{"num_errors",
                      json_value(std::uint64_t{result.log.error_count()}),
                      events.empty() ? 0.0 : events.back().time_ms,
                      false,
                      false,
                      "detail_log.cpp",
                      0};
  write_event(out, num_errors, pid, tid);
}

void write_latencies_log(const TestResult& result, std::ostream& out) {
  out << "scheduled_s,latency_ns\n";
  const PerformanceSummary& p = *result.performance;
  for (std::size_t i = 0; i < p.sample_latencies_ns.size(); ++i)
    out << fmt::format("{:.9f},{}\n", p.sample_scheduled_s[i], p.sample_latencies_ns[i]);
}

void write_logs(const TestResult& result, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw Error(Error::Kind::InvalidArgument,
                fmt::format("{}: cannot create the log directory: {}", dir.string(), ec.message()));
  write_file(dir / "mlperf_log_summary.txt", result, write_summary_log);
  write_file(dir / "mlperf_log_detail.txt", result, write_detail_log);
  write_file(dir / "mlperf_log_accuracy.json", result, write_accuracy_log);
  if (result.performance) write_file(dir / kLatenciesLog, result, write_latencies_log);
}

}  // namespace zenith::loadgen
