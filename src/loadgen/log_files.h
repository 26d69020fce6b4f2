// The MLPerf log files of a test (LOADGEN.md §11), written from its TestResult.
#pragma once

#include <filesystem>
#include <ostream>

#include "loadgen/test_result.h"

namespace zenith::loadgen {

void write_summary_log(const TestResult& result, std::ostream& out);
void write_detail_log(const TestResult& result, std::ostream& out);
// A JSON array of {seq_id, qsl_idx, data (upper-case hex)}: the accuracy run's responses in
// completion order; "[" "]" after a performance run.
void write_accuracy_log(const TestResult& result, std::ostream& out);

// Zenith's own addition beside official's files, for plots (`zenith report`): one line
// "scheduled_s,latency_ns" per sample of a performance run, in issue order.
inline constexpr const char* kLatenciesLog = "zenith_latencies.csv";
void write_latencies_log(const TestResult& result, std::ostream& out);

// Writes <dir>/mlperf_log_summary.txt, <dir>/mlperf_log_detail.txt,
// <dir>/mlperf_log_accuracy.json and, for a performance run, <dir>/zenith_latencies.csv,
// creating `dir` if needed. InvalidArgument naming the path when a file cannot be written.
void write_logs(const TestResult& result, const std::filesystem::path& dir);

}  // namespace zenith::loadgen
