// Query generation: counts, schedule and sample indices, deterministic from the seeds.
#include "loadgen/query_generation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

namespace zenith::loadgen {
namespace {

constexpr std::uint64_t kQslSeed = 2085463073848966840ULL;
constexpr std::uint64_t kSampleSeed = 2747215439041700203ULL;
constexpr std::uint64_t kScheduleSeed = 16159082839903944936ULL;

TestSettings official_seeds(Scenario scenario) {
  TestSettings s;
  s.scenario = scenario;
  s.qsl_rng_seed = kQslSeed;
  s.sample_index_rng_seed = kSampleSeed;
  s.schedule_rng_seed = kScheduleSeed;
  return s;
}

GeneratedQueries generate(const TestSettings& s, std::size_t total, std::size_t psc,
                          TestMode mode = TestMode::Performance) {
  const EffectiveSettings e = normalize(s, total, psc);
  return generate_queries(e, generate_loadable_sets(e, total, total).front(), mode);
}

TEST(LoadGenQueryGeneration, ServerScheduleMatchesOfficialRealisedRate) {
  // LOADGEN.md §3: with the official seeds, 10 s at 150 QPS realises 157.1 QPS.
  TestSettings s = official_seeds(Scenario::Server);
  s.server_target_qps = 150;
  s.min_duration_ms = 10'000;
  const GeneratedQueries q = generate(s, 1024, 1024);
  const std::size_t n = q.query_count();
  const double last_s = std::chrono::duration<double>(q.scheduled_offsets.back()).count();
  EXPECT_GE(last_s, 10.0);  // the first offset past min duration ends generation
  EXPECT_LT(std::chrono::duration<double>(q.scheduled_offsets[n - 2]).count(), 10.0);
  EXPECT_NEAR((n - 1) / last_s, 157.1, 0.05);
  EXPECT_EQ(q.scheduled_offsets.front().count(), 0);
}

TEST(LoadGenQueryGeneration, SingleStreamGeneratesTwiceTheDuration) {
  TestSettings s = official_seeds(Scenario::SingleStream);
  s.single_stream_expected_latency_ns = 1'000'000;
  s.min_duration_ms = 1000;
  const GeneratedQueries q = generate(s, 1024, 1024);
  // Offsets 0, 1 ms, ..., 2000 ms: the first at >= 2 x duration is the last.
  ASSERT_EQ(q.query_count(), 2001u);
  EXPECT_EQ(q.scheduled_offsets.back(), std::chrono::milliseconds(2000));
  EXPECT_EQ(q.duration, std::chrono::milliseconds(2001));
}

TEST(LoadGenQueryGeneration, MinQueryCountExtendsGeneration) {
  TestSettings s = official_seeds(Scenario::SingleStream);
  s.single_stream_expected_latency_ns = 100'000'000;
  s.min_duration_ms = 100;
  s.min_query_count = 50;
  EXPECT_EQ(generate(s, 1024, 1024).query_count(), 50u);
}

// LOADGEN.md §3: before the first sample draw, sample_rng is advanced by a shuffle of the
// unique list and ceil(min_queries / set size) shuffles of the equal-issue list.
TEST(LoadGenQueryGeneration, SingleStreamIndicesFollowTheHiddenShuffles) {
  TestSettings s = official_seeds(Scenario::SingleStream);
  s.single_stream_expected_latency_ns = 10'000'000;
  s.min_duration_ms = 100;
  s.min_query_count = 300;
  const std::size_t psc = 128;
  const EffectiveSettings e = normalize(s, 1000, psc);
  const LoadableSet set = generate_loadable_sets(e, 1000, 1000).front();
  const GeneratedQueries q = generate_queries(e, set, TestMode::Performance);

  std::vector<std::size_t> order(1000);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 qsl_rng(kQslSeed);
  std::shuffle(order.begin(), order.end(), qsl_rng);
  ASSERT_EQ(set.samples, std::vector<std::size_t>(order.begin(), order.begin() + psc));

  std::mt19937 rng(kSampleSeed);
  std::vector<std::size_t> scratch(psc);
  std::iota(scratch.begin(), scratch.end(), 0);
  std::shuffle(scratch.begin(), scratch.end(), rng);
  for (int i = 0; i < 3; ++i) std::shuffle(scratch.begin(), scratch.end(), rng);  // ceil(300/128)
  std::uniform_int_distribution<int> dist(0, psc - 1);
  ASSERT_EQ(q.query_count(), 300u);
  for (std::size_t i = 0; i < q.query_count(); ++i)
    ASSERT_EQ(q.query(i)[0], set.samples[dist(rng)]) << "query " << i;
}

TEST(LoadGenQueryGeneration, SameSettingsSameQueries) {
  TestSettings s = official_seeds(Scenario::Server);
  s.server_target_qps = 500;
  s.min_duration_ms = 2000;
  const GeneratedQueries a = generate(s, 5000, 1024);
  const GeneratedQueries b = generate(s, 5000, 1024);
  EXPECT_EQ(a.samples, b.samples);
  EXPECT_EQ(a.scheduled_offsets, b.scheduled_offsets);
  s.schedule_rng_seed += 1;
  EXPECT_NE(generate(s, 5000, 1024).scheduled_offsets, a.scheduled_offsets);
}

TEST(LoadGenQueryGeneration, MultiStreamQueriesAreContiguousInThePaddedSet) {
  TestSettings s = official_seeds(Scenario::MultiStream);
  s.multi_stream_expected_latency_ns = 50'000'000;
  s.min_duration_ms = 500;
  s.min_query_count = 10;
  const EffectiveSettings e = normalize(s, 100, 20);
  const LoadableSet set = generate_loadable_sets(e, 100, 100).front();
  ASSERT_EQ(set.distribution_end, 20u);
  ASSERT_EQ(set.samples.size(), 27u);
  for (std::size_t i = 0; i < 7; ++i) EXPECT_EQ(set.samples[20 + i], set.samples[i]);
  const GeneratedQueries q = generate_queries(e, set, TestMode::Performance);
  EXPECT_EQ(q.query_count(), 21u);  // offsets 0, 50, ..., 1000 ms
  for (std::size_t i = 0; i < q.query_count(); ++i) {
    const auto query = q.query(i);
    ASSERT_EQ(query.size(), 8u);
    const auto first = std::find(set.samples.begin(), set.samples.end(), query[0]);
    ASSERT_LT(first - set.samples.begin(), 20);
    EXPECT_TRUE(std::equal(query.begin(), query.end(), first));
  }
}

TEST(LoadGenQueryGeneration, OfflineIsOneQueryOfTheLoadedSetRepeated) {
  TestSettings s = official_seeds(Scenario::Offline);
  s.offline_expected_qps = 100;
  s.min_duration_ms = 1000;
  s.min_query_count = 10;
  const EffectiveSettings e = normalize(s, 1000, 64);
  const LoadableSet set = generate_loadable_sets(e, 1000, 1000).front();
  const GeneratedQueries q = generate_queries(e, set, TestMode::Performance);
  ASSERT_EQ(q.query_count(), 1u);
  ASSERT_EQ(q.query(0).size(), 110u);  // 1.1 * 1 s * 100 QPS
  for (std::size_t i = 0; i < 110; ++i) EXPECT_EQ(q.query(0)[i], set.samples[i % 64]);
}

TEST(LoadGenQueryGeneration, LoadableSetsPartitionTheShuffledQsl) {
  TestSettings s = official_seeds(Scenario::SingleStream);
  const EffectiveSettings e = normalize(s, 1000, 300);
  const std::vector<LoadableSet> sets = generate_loadable_sets(e, 1000, 1000);
  ASSERT_EQ(sets.size(), 4u);
  EXPECT_EQ(sets.back().samples.size(), 100u);
  std::set<std::size_t> seen;
  for (const LoadableSet& set : sets) seen.insert(set.samples.begin(), set.samples.end());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(LoadGenQueryGeneration, IssueSameGeneratesAsIssueUniqueDoes) {
  // One pass over the loaded set, whatever the duration asks: the official rule for both flags.
  for (Scenario scenario : {Scenario::SingleStream, Scenario::Server}) {
    TestSettings unique = official_seeds(scenario);
    unique.min_duration_ms = 60'000;
    unique.server_target_qps = 1000;
    unique.performance_issue_unique = true;
    TestSettings same = unique;
    same.performance_issue_unique = false;
    same.performance_issue_same = true;
    same.performance_issue_same_index = 3;
    const GeneratedQueries u = generate(unique, 1024, 64);
    const GeneratedQueries q = generate(same, 1024, 64);
    EXPECT_EQ(u.query_count(), 64u) << to_string(scenario);
    EXPECT_EQ(q.query_count(), u.query_count()) << to_string(scenario);
    const std::set<std::size_t> issued(q.samples.begin(), q.samples.end());
    EXPECT_EQ(issued.size(), 1u) << to_string(scenario);  // the one sample, every time
  }
}

TEST(LoadGenQueryGeneration, AccuracyIssuesEverySampleOnce) {
  for (Scenario scenario : {Scenario::SingleStream, Scenario::Server, Scenario::Offline}) {
    TestSettings s = official_seeds(scenario);
    s.server_target_qps = 1000;
    const EffectiveSettings e = normalize(s, 50, 50);
    const LoadableSet set = generate_loadable_sets(e, 50, 50).front();
    const GeneratedQueries q = generate_queries(e, set, TestMode::Accuracy);
    std::vector<std::size_t> issued = q.samples;
    std::sort(issued.begin(), issued.end());
    std::vector<std::size_t> expected(50);
    std::iota(expected.begin(), expected.end(), 0);
    EXPECT_EQ(issued, expected) << to_string(scenario);
  }
}

}  // namespace
}  // namespace zenith::loadgen
