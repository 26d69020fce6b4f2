// TestResult: everything a run produced, from which the MLPerf log files are written.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "loadgen/effective_settings.h"
#include "loadgen/event_log.h"
#include "loadgen/performance_summary.h"
#include "loadgen/response_tracker.h"
#include "loadgen/test_settings.h"

namespace zenith::loadgen {

struct TestResult {
  std::string sut_name;
  std::string qsl_name;
  std::size_t qsl_total_sample_count = 0;
  std::size_t qsl_performance_sample_count = 0;
  TestSettings requested;
  // Find-peak: the settings of the reported run, i.e. its target QPS is the peak found.
  EffectiveSettings effective;
  std::optional<PerformanceSummary> performance;  // absent in accuracy mode
  std::vector<AccuracyResponse> accuracy_responses;
  EventLog log;
};

}  // namespace zenith::loadgen
