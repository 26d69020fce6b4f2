// Random numbers that are a pure function of a few keys (a seed, an epoch, a sample index), so
// that data order, splits and augmentation come out the same on every run, at any thread count
// and after a resume. std::shuffle and the std distributions are left unspecified by the
// standard, so they are not used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace zenith::tools {

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014)
// started from a hash of `keys`.
class SeededRandom {
 public:
  explicit SeededRandom(std::initializer_list<uint64_t> keys);
  uint64_t next();
  // Uniform in [lo, hi).
  double uniform(double lo, double hi);
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t below(uint64_t n);

 private:
  uint64_t state_;
};

// 0..n-1 in an order drawn by a Fisher-Yates shuffle from SeededRandom(keys).
std::vector<size_t> seeded_permutation(size_t n, std::initializer_list<uint64_t> keys);

}  // namespace zenith::tools
