// mlperf_log_accuracy.json: every response of an accuracy run, in completion order, as MLPerf's
// accuracy scripts read it (LOADGEN.md §10).
#include <fmt/format.h>

#include <ostream>

#include "loadgen/log_files.h"

namespace zenith::loadgen {

void write_accuracy_log(const TestResult& result, std::ostream& out) {
  out << "[\n";
  for (size_t i = 0; i < result.accuracy_responses.size(); ++i) {
    const AccuracyResponse& r = result.accuracy_responses[i];
    std::string hex;
    hex.reserve(r.data.size() * 2);
    for (std::uint8_t byte : r.data) hex += fmt::format("{:02X}", byte);
    out << fmt::format("{}{{ \"seq_id\" : {}, \"qsl_idx\" : {}, \"data\" : \"{}\" }}",
                       i == 0 ? "" : ",\n", r.sequence_id, r.index, hex);
  }
  out << (result.accuracy_responses.empty() ? "]\n" : "\n]\n");
}

}  // namespace zenith::loadgen
