// Splitting samples into parts (train / val / test) by group, so that no group (a patient) has
// samples in two parts, as CheXNet split ChestX-ray14.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace zenith::tools {

// The part of each sample, given each sample's group: the distinct groups, in an order drawn
// from `seed`, are cut into runs of round(cumulative fraction * groups) groups, so part p holds
// about fractions[p] of the groups (not of the samples). The same groups and seed give the same
// parts. REQUIRES: fractions are non-negative and sum to 1.
std::vector<size_t> group_split(const std::vector<std::string>& groups,
                                const std::vector<double>& fractions, uint64_t seed);

}  // namespace zenith::tools
