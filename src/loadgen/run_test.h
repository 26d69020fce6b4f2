// run_test: one LoadGen test, the counterpart of official StartTest (LOADGEN.md §1).
#pragma once

#include "loadgen/query_sample_library.h"
#include "loadgen/system_under_test.h"
#include "loadgen/test_result.h"
#include "loadgen/test_settings.h"

namespace zenith::loadgen {

// Normalizes `settings` (InvalidArgument for impossible ones, before anything is loaded or
// issued), then runs the mode: Performance loads the first loadable set and issues queries
// until the scenario's end rules are met; Accuracy issues every sample of every set once;
// FindPeak (Server) repeats performance runs to find the highest target QPS that meets the
// latency bound. Blocks until every issued sample has completed.
TestResult run_test(SystemUnderTest& sut, QuerySampleLibrary& qsl, const TestSettings& settings);

}  // namespace zenith::loadgen
