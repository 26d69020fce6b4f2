// Loadable sets: the QSL's indices shuffled with qsl_rng and cut into sets of
// performance_sample_count (LOADGEN.md §10). A performance run loads only the first.
#pragma once

#include <cstddef>
#include <vector>

#include "loadgen/effective_settings.h"
#include "loadgen/query_sample.h"

namespace zenith::loadgen {

struct LoadableSet {
  // In load order. MultiStream appends the set's first samples_per_query - 1 entries again, so
  // a query may start at any of the first `distribution_end` positions and still be contiguous.
  std::vector<QuerySampleIndex> samples;
  std::size_t distribution_end = 0;  // the set's size without that padding
};

// Sets over indices 0 .. min(sample_count, qsl_total_sample_count) - 1.
std::vector<LoadableSet> generate_loadable_sets(const EffectiveSettings& settings,
                                                std::size_t sample_count,
                                                std::size_t qsl_total_sample_count);

}  // namespace zenith::loadgen
