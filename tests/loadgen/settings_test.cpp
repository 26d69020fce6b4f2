// Settings normalization (LOADGEN.md §2) and the settings no run can satisfy.
#include <gtest/gtest.h>

#include "loadgen/effective_settings.h"
#include "testing/expect_error.h"

namespace zenith::loadgen {
namespace {

using testing::expect_error;

TEST(LoadGenSettings, SingleStreamRateComesFromExpectedLatency) {
  TestSettings s;
  s.single_stream_expected_latency_ns = 5'000'000;
  const EffectiveSettings e = normalize(s, 1024, 256);
  EXPECT_DOUBLE_EQ(e.target_qps, 200.0);
  EXPECT_EQ(e.samples_per_query, 1u);
  EXPECT_EQ(e.max_async_queries, 1u);
  EXPECT_EQ(e.target_duration_ms, 10'000u);
  EXPECT_EQ(e.target_latency_ns, 0u);
  EXPECT_DOUBLE_EQ(e.target_latency_percentile, 0.90);
  EXPECT_EQ(e.performance_sample_count, 256u);
  EXPECT_EQ(e.accuracy_sample_count, 1024u);
  EXPECT_EQ(e.min_sample_count, 100u);
}

TEST(LoadGenSettings, MultiStreamUsesSamplesPerQuery) {
  TestSettings s;
  s.scenario = Scenario::MultiStream;
  s.min_query_count = 662;
  const EffectiveSettings e = normalize(s, 1024, 1024);
  EXPECT_EQ(e.samples_per_query, 8u);
  EXPECT_DOUBLE_EQ(e.target_qps, 125.0);
  EXPECT_EQ(e.min_sample_count, 662u * 8u);
  EXPECT_DOUBLE_EQ(e.target_latency_percentile, 0.99);
}

TEST(LoadGenSettings, OfflineCoalescesIntoOneQuery) {
  TestSettings s;
  s.scenario = Scenario::Offline;
  s.offline_expected_qps = 1000;
  s.min_duration_ms = 10'000;
  s.min_query_count = 24576;
  EffectiveSettings e = normalize(s, 1024, 1024);
  EXPECT_EQ(e.samples_per_query, 24576u);  // max(24576, 1.1 * 10 * 1000)
  EXPECT_EQ(e.min_query_count, 1u);
  EXPECT_EQ(e.target_duration_ms, 0u);
  EXPECT_EQ(e.min_sample_count, 24576u);
  s.offline_expected_qps = 5000;
  e = normalize(s, 1024, 1024);
  EXPECT_EQ(e.samples_per_query, 55000u);
}

TEST(LoadGenSettings, OverridesWinOverTheQsl) {
  TestSettings s;
  s.performance_sample_count_override = 64;
  s.accuracy_sample_count_override = 500;
  const EffectiveSettings e = normalize(s, 1024, 1024);
  EXPECT_EQ(e.performance_sample_count, 64u);
  EXPECT_EQ(e.accuracy_sample_count, 500u);
}

TEST(LoadGenSettings, EqualIssuePadsToAFurtherPermutation) {
  TestSettings s;
  s.sample_concatenate_permutation = true;
  s.min_duration_ms = 1000;
  s.single_stream_expected_latency_ns = 10'000'000;  // 2 * 1 s * 100 qps = 200
  s.min_query_count = 100;
  EXPECT_EQ(normalize(s, 1024, 100).min_query_count, 300u);  // 200 is a multiple: + 100
}

TEST(LoadGenSettings, ImpossibleSettingsAreErrors) {
  TestSettings s;
  s.scenario = Scenario::Server;
  s.server_target_qps = 0;
  expect_error([&] { normalize(s, 10, 10); }, Error::Kind::InvalidArgument,
               "server_target_qps = 0 must be > 0");
  s.server_target_qps = 10;
  s.server_target_latency_ns = 0;
  expect_error([&] { normalize(s, 10, 10); }, Error::Kind::InvalidArgument,
               "server_target_latency_ns must be > 0");
  s.server_target_latency_ns = 1000;
  s.server_target_latency_percentile = 99;
  expect_error([&] { normalize(s, 10, 10); }, Error::Kind::InvalidArgument,
               "is not a fraction in (0, 1)");
  TestSettings offline;
  offline.scenario = Scenario::Offline;
  offline.offline_expected_qps = -1;
  expect_error([&] { normalize(offline, 10, 10); }, Error::Kind::InvalidArgument,
               "offline_expected_qps = -1 must be > 0");
  TestSettings peak;
  peak.mode = TestMode::FindPeak;
  expect_error([&] { normalize(peak, 10, 10); }, Error::Kind::InvalidArgument,
               "find-peak mode searches a Server target QPS; scenario is SingleStream");
  expect_error([&] { normalize(TestSettings{}, 0, 0); }, Error::Kind::InvalidArgument,
               "has no samples");
}

TEST(LoadGenSettings, UnknownScenarioNameIsAnError) {
  EXPECT_EQ(parse_scenario("Server"), Scenario::Server);
  expect_error([] { parse_scenario("Sever"); }, Error::Kind::InvalidArgument,
               "unknown scenario 'Sever'");
}

}  // namespace
}  // namespace zenith::loadgen
