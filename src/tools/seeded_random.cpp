// SplitMix64 and a Fisher-Yates shuffle over it.
#include "tools/seeded_random.h"

#include <numeric>
#include <utility>

namespace zenith::tools {
namespace {

uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

}  // namespace

SeededRandom::SeededRandom(std::initializer_list<uint64_t> keys) : state_(kGolden) {
  // Each key is mixed into the running hash, so (1, 2) and (2, 1) start different streams.
  for (uint64_t key : keys) state_ = mix(state_ ^ mix(key + kGolden));
}

uint64_t SeededRandom::next() {
  state_ += kGolden;
  return mix(state_);
}

double SeededRandom::uniform(double lo, double hi) {
  // The top 53 bits fill a double's mantissa exactly.
  const double unit = static_cast<double>(next() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

uint64_t SeededRandom::below(uint64_t n) {
  // Rejects the top partial range so that every value is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = next();
  while (x >= limit) x = next();
  return x % n;
}

std::vector<size_t> seeded_permutation(size_t n, std::initializer_list<uint64_t> keys) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  SeededRandom random(keys);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[random.below(i)]);
  return order;
}

}  // namespace zenith::tools
