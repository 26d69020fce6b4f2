// group_split: a seeded permutation of the distinct groups, cut at the cumulative fractions.
#include "tools/group_split.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "tools/seeded_random.h"

namespace zenith::tools {

std::vector<size_t> group_split(const std::vector<std::string>& groups,
                                const std::vector<double>& fractions, uint64_t seed) {
  // Groups numbered by first appearance, so the result depends on the file's order and the seed
  // only, not on hashing.
  std::unordered_map<std::string, size_t> number;
  std::vector<size_t> group_of(groups.size());
  for (size_t i = 0; i < groups.size(); ++i)
    group_of[i] = number.emplace(groups[i], number.size()).first->second;
  const std::vector<size_t> drawn = seeded_permutation(number.size(), {seed});
  std::vector<size_t> part_of_group(number.size());
  double cumulative = 0;
  size_t begin = 0;
  for (size_t p = 0; p < fractions.size(); ++p) {
    cumulative += fractions[p];
    const size_t end =
        p + 1 == fractions.size()
            ? number.size()
            : std::clamp(static_cast<size_t>(std::lround(cumulative * number.size())), begin,
                         number.size());
    for (size_t g = begin; g < end; ++g) part_of_group[drawn[g]] = p;
    begin = end;
  }
  std::vector<size_t> part(groups.size());
  for (size_t i = 0; i < groups.size(); ++i) part[i] = part_of_group[group_of[i]];
  return part;
}

}  // namespace zenith::tools
