// Loadable sets, drawn from qsl_rng exactly as official LoadGen draws them.
#include "loadgen/loadable_sets.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace zenith::loadgen {

std::vector<LoadableSet> generate_loadable_sets(const EffectiveSettings& settings,
                                                std::size_t sample_count,
                                                std::size_t qsl_total_sample_count) {
  std::vector<QuerySampleIndex> order(std::min(sample_count, qsl_total_sample_count));
  std::iota(order.begin(), order.end(), QuerySampleIndex{0});
  // std::mt19937 takes the 64-bit seed modulo 2^32, as official LoadGen's does.
  std::mt19937 qsl_rng(settings.qsl_rng_seed);
  std::shuffle(order.begin(), order.end(), qsl_rng);

  const std::size_t set_size = settings.performance_sample_count;
  const std::size_t padding =
      settings.scenario == Scenario::MultiStream ? settings.samples_per_query - 1 : 0;
  std::vector<LoadableSet> sets;
  for (std::size_t begin = 0; begin < order.size(); begin += set_size) {
    const std::size_t end = std::min(begin + set_size, order.size());
    LoadableSet set;
    set.samples.assign(order.begin() + begin, order.begin() + end);
    set.distribution_end = set.samples.size();
    // Padding copies from the start of the set, wrapping when the set is shorter than spq - 1.
    for (std::size_t i = 0; i < padding; ++i) set.samples.push_back(set.samples[i]);
    sets.push_back(std::move(set));
  }
  return sets;
}

}  // namespace zenith::loadgen
