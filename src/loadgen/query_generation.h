// Query generation: every query of a run, its sample indices and scheduled offset, drawn before
// the clock starts with the random streams of official LoadGen (LOADGEN.md §3), so the same
// settings give the same queries.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <vector>

#include "loadgen/effective_settings.h"
#include "loadgen/loadable_sets.h"

namespace zenith::loadgen {

struct GeneratedQueries {
  std::vector<QuerySampleIndex> samples;  // every query's samples, back to back
  std::vector<std::size_t> query_begin;   // query i: samples[query_begin[i], query_begin[i + 1])
  std::vector<std::chrono::nanoseconds> scheduled_offsets;  // from the test start
  // The offset one interval past the last query (official `generated_query_duration`).
  std::chrono::nanoseconds duration{0};
  std::size_t samples_per_query = 0;

  std::size_t query_count() const { return scheduled_offsets.size(); }
  std::span<const QuerySampleIndex> query(std::size_t i) const {
    return {samples.data() + query_begin[i], query_begin[i + 1] - query_begin[i]};
  }
};

// `mode` Accuracy issues every sample of `set` once in a shuffled order; Performance and FindPeak
// generate until 2x (Server: 1x) the target duration and min query count are both covered.
GeneratedQueries generate_queries(const EffectiveSettings& settings, const LoadableSet& set,
                                  TestMode mode);

}  // namespace zenith::loadgen
