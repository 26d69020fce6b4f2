// Percentile and early-stopping math against the reference values of LOADGEN.md §6 and §8.
#include "loadgen/early_stopping.h"

#include <gtest/gtest.h>

#include <cmath>

#include "loadgen/latency_stats.h"

namespace zenith::loadgen {
namespace {

TEST(LoadGenPercentile, IndexIsTruncatedProduct) {
  EXPECT_EQ(percentile_index(1992, 0.9), 1792u);
  EXPECT_EQ(percentile_index(100, 0.99), 99u);
  EXPECT_EQ(percentile_index(10, 0.5), 5u);
}

TEST(LoadGenPercentile, StatsUseSortedIndexAndTruncatedMean) {
  std::vector<std::int64_t> sorted;
  for (std::int64_t i = 1; i <= 10; ++i) sorted.push_back(i);
  const LatencyStats s = latency_stats(sorted, 0.90);
  EXPECT_EQ(s.min_ns, 1);
  EXPECT_EQ(s.max_ns, 10);
  EXPECT_EQ(s.mean_ns, 5);         // 55 / 10, truncated
  EXPECT_EQ(s.target_ns, 10);      // sorted[9]
  EXPECT_EQ(s.reported_ns[0], 6);  // p50: sorted[5]
}

struct HCase {
  double p;
  std::int64_t t;
  std::int64_t h;
};

TEST(LoadGenEarlyStopping, MinPassingQueriesMatchOfficial) {
  const HCase cases[] = {{0.90, 0, 44},     {0.90, 1, 63},      {0.90, 2, 79},    {0.90, 3, 94},
                         {0.90, 5, 122},    {0.90, 10, 187},    {0.90, 20, 305},  {0.90, 50, 631},
                         {0.90, 100, 1146}, {0.99, 0, 459},     {0.99, 1, 661},   {0.99, 2, 836},
                         {0.99, 3, 998},    {0.99, 5, 1302},    {0.99, 10, 2000}, {0.99, 20, 3284},
                         {0.99, 50, 6848},  {0.99, 100, 12471}, {0.999, 0, 4603}, {0.999, 1, 6635},
                         {0.999, 10, 20130}};
  for (const HCase& c : cases)
    EXPECT_EQ(min_passing_queries(c.t, c.p), c.h) << "p=" << c.p << " t=" << c.t;
}

TEST(LoadGenEarlyStopping, TooFewQueriesGiveNoEstimate) {
  EXPECT_FALSE(early_stopping_t(63, 0.90));
  EXPECT_EQ(early_stopping_t(64, 0.90), 1);
  EXPECT_FALSE(early_stopping_t(661, 0.99));
  EXPECT_EQ(early_stopping_t(662, 0.99), 1);
}

TEST(LoadGenEarlyStopping, DiscardedQueriesMatchOfficial) {
  EXPECT_EQ(early_stopping_t(400, 0.90), 26);
  EXPECT_EQ(early_stopping_t(1000, 0.90), 78);
  EXPECT_EQ(early_stopping_t(2000, 0.90), 168);
  EXPECT_EQ(early_stopping_t(5000, 0.90), 450);
  EXPECT_EQ(early_stopping_t(1000, 0.99), 2);
  EXPECT_EQ(early_stopping_t(2000, 0.99), 9);
  EXPECT_EQ(early_stopping_t(5000, 0.99), 33);
}

TEST(LoadGenEarlyStopping, OddsIsBinomialTail) {
  // t = 0: the chance that all h queries pass when each passes with p.
  EXPECT_NEAR(early_stopping_odds(44, 0, 0.9), std::pow(0.9, 44), 1e-12);
}

}  // namespace
}  // namespace zenith::loadgen
