// Early stopping (LOADGEN.md §8): how many queries a run needs before its latency percentile
// can be claimed with 99 % confidence, given how many queries exceeded it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace zenith::loadgen {

constexpr double kEarlyStoppingConfidence = 0.99;

// P[Binomial(h + t, 1 - p) <= t]: the chance of seeing at most t over-latency queries out of
// h + t if the true over-latency rate were exactly 1 - p.
double early_stopping_odds(std::int64_t h, std::int64_t t, double p);

// h(t): the fewest passing queries with odds(h, t, p) < 1 - confidence.
std::int64_t min_passing_queries(std::int64_t t, double p);

// SingleStream / MultiStream: the largest t with n >= h(t) + t, or nullopt when n < h(1) + 1
// (too few queries for any estimate). The estimate is then sorted[n - t], the t-th largest.
std::optional<std::int64_t> early_stopping_t(std::int64_t n, double p);

}  // namespace zenith::loadgen
