// Whole runs against the synthetic SUT. No check depends on how fast this machine is or how busy
// it is: bounds are the ones the SUT's sleeps make physically certain (a 5 ms sample cannot
// finish sooner, 1 worker cannot exceed 200 samples/s), never how soon a run finishes.
#include "loadgen/synthetic_sut.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "loadgen/log_files.h"
#include "loadgen/run_test.h"

namespace zenith::loadgen {
namespace {

using namespace std::chrono_literals;

TestSettings quick(Scenario scenario, std::uint64_t min_duration_ms) {
  TestSettings s;
  s.scenario = scenario;
  s.min_duration_ms = min_duration_ms;
  s.qsl_rng_seed = 2085463073848966840ULL;
  s.sample_index_rng_seed = 2747215439041700203ULL;
  s.schedule_rng_seed = 16159082839903944936ULL;
  return s;
}

TEST(LoadGenSynthetic, SingleStreamP90IsTheSampleTime) {
  SyntheticSut sut(5ms, 1);
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::SingleStream, 600);
  s.single_stream_expected_latency_ns = 5'000'000;
  const TestResult r = run_test(sut, qsl, s);
  ASSERT_TRUE(r.performance);
  const PerformanceSummary& p = *r.performance;
  EXPECT_GE(p.sample_latency.target_ns, 5'000'000);
  EXPECT_GE(p.query_count, 100u);
  EXPECT_TRUE(p.min_duration_met);
  EXPECT_TRUE(p.early_stopping_met);  // > 64 queries
  EXPECT_TRUE(p.valid);
  EXPECT_EQ(qsl.loaded_count(), 0u);  // the set was unloaded
}

TEST(LoadGenSynthetic, ServerFarBelowCapacityIsValid) {
  SyntheticSut sut(2ms, 2);
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::Server, 1000);
  s.server_target_qps = 100;
  s.server_target_latency_ns = 1'000'000'000;  // 500x the sample time: met however busy
  s.server_target_latency_percentile = 0.90;  // early stopping needs 44 queries, not 459
  const TestResult r = run_test(sut, qsl, s);
  EXPECT_TRUE(r.performance->perf_constraints_met);
  EXPECT_EQ(r.performance->overlatency_query_count, 0u);
  EXPECT_TRUE(r.performance->valid) << r.performance->early_stopping_result;
}

TEST(LoadGenSynthetic, ServerFarAboveCapacityIsInvalid) {
  SyntheticSut sut(5ms, 1);  // at most 200 samples/s
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::Server, 500);
  s.server_target_qps = 1000;
  s.server_target_latency_ns = 20'000'000;
  const TestResult r = run_test(sut, qsl, s);
  EXPECT_FALSE(r.performance->perf_constraints_met);
  EXPECT_FALSE(r.performance->valid);
  EXPECT_LT(r.performance->completed_samples_per_second, 400.0);
}

TEST(LoadGenSynthetic, ServerPastMaxAsyncQueriesEndsEarlyInsteadOfBlocking) {
  // 2000 queries/s offered to a SUT that completes at most 20/s: the outstanding count passes
  // 4 within the run whatever the machine does, and the official LoadGen then ends the test
  // (blocking would make the open-loop test closed-loop).
  SyntheticSut sut(50ms, 1);
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::Server, 1000);
  s.server_target_qps = 2000;
  s.server_target_latency_ns = 100'000'000;
  s.server_max_async_queries = 4;
  const TestResult r = run_test(sut, qsl, s);
  const auto& events = r.log.events();
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const LogEvent& e) {
    return e.key == "error_runtime" &&
           e.value_json.find("Too many outstanding queries") != std::string::npos;
  }));
  ASSERT_TRUE(r.performance);
  EXPECT_FALSE(r.performance->valid);
  EXPECT_LT(r.performance->query_count, 1000u);  // far fewer than the 2,000 generated
}

TEST(LoadGenSynthetic, OfflineCountsSamplesPerSecond) {
  SyntheticSut sut(1ms, 2);
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::Offline, 300);
  s.offline_expected_qps = 2000;  // 1.1 * 0.3 s * 2000 = 660 samples: ~330 ms on 2 workers
  const TestResult r = run_test(sut, qsl, s);
  const PerformanceSummary& p = *r.performance;
  EXPECT_EQ(p.sample_count, 660u);
  EXPECT_GT(p.samples_per_second, 0.0);
  EXPECT_LE(p.samples_per_second, 2000.0);  // 2 workers x 1 ms
  EXPECT_TRUE(p.min_duration_met);
}

TEST(LoadGenSynthetic, OfflineFasterThanExpectedIsInvalid) {
  SyntheticSut sut(0ms, 2);
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::Offline, 1000);
  s.offline_expected_qps = 100;  // 110 instant samples cannot last 1 s
  const TestResult r = run_test(sut, qsl, s);
  EXPECT_FALSE(r.performance->min_duration_met);
  EXPECT_FALSE(r.performance->valid);
}

TEST(LoadGenSynthetic, MultiStreamMeasuresWholeQueries) {
  SyntheticSut sut(2ms, 4);  // 8 samples on 4 workers: a query takes about 4 ms
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::MultiStream, 300);
  s.multi_stream_expected_latency_ns = 4'000'000;
  s.multi_stream_target_latency_percentile = 0.90;
  const TestResult r = run_test(sut, qsl, s);
  const PerformanceSummary& p = *r.performance;
  ASSERT_TRUE(p.query_latency);
  EXPECT_EQ(p.sample_count, p.query_count * 8);
  EXPECT_GE(p.query_latency->target_ns, 4'000'000);
  EXPECT_GE(p.query_latency->target_ns, p.sample_latency.reported_ns[1]);
}

TEST(LoadGenSynthetic, AccuracyModeAnswersEverySampleOnce) {
  SyntheticSut sut(0ms, 2);
  SyntheticQsl qsl(100, 40);
  TestSettings s = quick(Scenario::SingleStream, 0);
  s.mode = TestMode::Accuracy;
  const TestResult r = run_test(sut, qsl, s);
  EXPECT_FALSE(r.performance);
  std::vector<std::size_t> indices;
  for (const AccuracyResponse& a : r.accuracy_responses) indices.push_back(a.index);
  std::sort(indices.begin(), indices.end());
  ASSERT_EQ(indices.size(), 100u);
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(indices[i], i);
}

TEST(LoadGenSynthetic, FindPeakBracketsTheCapacity) {
  SyntheticSut sut(2ms, 2);  // about 1000 samples/s
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::Server, 300);
  s.mode = TestMode::FindPeak;
  s.server_target_qps = 100;
  // A bound 25x the service time: on a machine whose cores are taken by other processes, a
  // waiting thread is scheduled within a few ms, and 10 ms failed there once.
  s.server_target_latency_ns = 50'000'000;
  s.server_target_latency_percentile = 0.90;
  s.server_find_peak_qps_decimals_of_precision = -2;  // stop at 100 QPS apart
  const TestResult r = run_test(sut, qsl, s);
  EXPECT_TRUE(r.performance->perf_constraints_met);
  EXPECT_GT(r.effective.target_qps, 0.0);
  EXPECT_LT(r.effective.target_qps, 1600.0);  // above the 1000 samples/s 2 workers can serve
}

TEST(LoadGenSynthetic, LogFilesHaveTheOfficialLayout) {
  SyntheticSut sut(1ms, 1);
  SyntheticQsl qsl;
  TestSettings s = quick(Scenario::SingleStream, 200);
  const TestResult r = run_test(sut, qsl, s);
  const auto dir = std::filesystem::temp_directory_path() / "zenith_loadgen_log_test";
  write_logs(r, dir);
  std::ifstream summary_file(dir / "mlperf_log_summary.txt");
  std::stringstream summary;
  summary << summary_file.rdbuf();
  const std::string text = summary.str();
  EXPECT_EQ(
      text.rfind("================================================\nMLPerf Results Summary\n", 0),
      0u);
  EXPECT_NE(
      text.find(
          "Scenario : SingleStream\nMode     : PerformanceOnly\n90.0th percentile latency (ns) : "),
      std::string::npos);
  EXPECT_NE(text.find("Result is : VALID\n"), std::string::npos);
  EXPECT_NE(text.find("Early Stopping Result:\n * Processed at least 64 queries"),
            std::string::npos);
  EXPECT_NE(text.find("99.90 percentile latency (ns)   : "), std::string::npos);
  EXPECT_NE(text.find("qsl_rng_seed : 2085463073848966840\n"), std::string::npos);
  EXPECT_NE(text.find("No errors encountered during test.\n"), std::string::npos);

  std::ifstream detail(dir / "mlperf_log_detail.txt");
  std::string line;
  std::size_t lines = 0;
  bool saw_validity = false;
  while (std::getline(detail, line)) {
    ++lines;
    EXPECT_EQ(line.rfind(":::MLLOG {\"key\": ", 0), 0u) << line;
    if (line.find("\"key\": \"result_validity\", \"value\": \"VALID\"") != std::string::npos)
      saw_validity = true;
  }
  EXPECT_GT(lines, 50u);
  EXPECT_TRUE(saw_validity);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zenith::loadgen
