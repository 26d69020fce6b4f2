// RangeHistogram: the values one tensor took over calibration, in bounded memory, and the
// clipping threshold each calibration method derives from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace zenith::tools {

// How a tensor's INT8 range is chosen from the values calibration saw.
//   MinMax: the largest magnitude seen; nothing is clipped.
//   Percentile: the magnitude below which 99.99% of the values lie; rare outliers clip.
//   Entropy: the threshold whose quantized distribution loses the least information (KL
//     divergence) against the clipped original, as TensorRT's entropy calibrator chooses it.
enum class CalibrationMethod { MinMax, Percentile, Entropy };

// "minmax", "percentile" or "entropy"; throws InvalidArgument naming `flag` otherwise.
CalibrationMethod parse_calibration_method(const std::string& text, const std::string& flag);
const char* to_string(CalibrationMethod method);

// A histogram of |x| over kBins equal bins from 0, whose range doubles (merging neighbouring
// bins) when a larger magnitude arrives: its memory does not grow with the data seen, so
// calibrating a large model on many samples holds one fixed histogram per tensor. NaNs are
// counted apart and ignored; infinities count as the largest finite float.
class RangeHistogram {
 public:
  static constexpr size_t kBins = 2048;

  void add(const float* values, size_t n);

  uint64_t count() const { return count_; }  // finite values added
  uint64_t nans() const { return nans_; }
  float min() const { return min_; }  // +inf before any value
  float max() const { return max_; }  // -inf before any value
  float max_abs() const;

  // The clipping threshold for `method`: a magnitude in (0, max_abs()], or 0 when every value
  // was 0 (or none came). `levels` is how many quantized magnitudes the target type has above
  // zero (127 for s8, 255 for u8): what Entropy quantizes the candidate distributions to.
  float threshold(CalibrationMethod method, int levels) const;

 private:
  float percentile(double fraction) const;
  float entropy_threshold(int levels) const;
  void grow_to(float magnitude);

  std::vector<uint64_t> bins_;  // empty until a nonzero magnitude arrives
  float width_ = 0;             // of one bin
  uint64_t count_ = 0;
  uint64_t nans_ = 0;
  uint64_t early_zeros_ = 0;  // zeros seen before bins_ existed: bin 0's once it does
  float min_ = std::numeric_limits<float>::infinity();
  float max_ = -std::numeric_limits<float>::infinity();
};

}  // namespace zenith::tools
