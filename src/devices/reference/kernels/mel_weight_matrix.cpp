// MelWeightMatrix (opset 17): triangular filters that map the dft_length / 2 + 1 bins of a
// one-sided spectrum onto num_mel_bins mel bands, evenly spaced on the mel scale.
#include <cmath>
#include <vector>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

double hz_to_mel(double hz) { return 2595 * std::log10(1 + hz / 700); }
double mel_to_hz(double mel) { return 700 * (std::pow(10, mel / 2595) - 1); }

double scalar_number(const ir::Tensor& t, std::string_view what) {
  if (t.numel() != 1 || t.dtype() == ir::DType::String)
    throw_invalid_argument("{} must hold one number, got {} {}", what, ir::dtype_name(t.dtype()),
                           ir::to_string(t.dims()));
  return t.as_double(0);
}

void mel_weight_matrix(KernelContext& ctx) {
  const int64_t mel_bins = scalar_int(ctx.input(0), "input 0 (num_mel_bins)");
  const int64_t dft_length = scalar_int(ctx.input(1), "input 1 (dft_length)");
  const int64_t sample_rate = scalar_int(ctx.input(2), "input 2 (sample_rate)");
  const double lower_hz = scalar_number(ctx.input(3), "input 3 (lower_edge_hertz)");
  const double upper_hz = scalar_number(ctx.input(4), "input 4 (upper_edge_hertz)");
  const ir::DType dtype = ir::dtype_from_onnx_code(ctx.attr<int64_t>("output_datatype", 1),
                                                   "attribute output_datatype");
  if (dtype == ir::DType::String || dtype == ir::DType::Bool)
    throw_invalid_model("attribute output_datatype is {}, expected a numeric type",
                        ir::dtype_name(dtype));
  if (mel_bins < 1 || dft_length < 1 || sample_rate < 1 || !(lower_hz >= 0) ||
      !(upper_hz >= lower_hz))
    throw_invalid_argument(
        "num_mel_bins={}, dft_length={}, sample_rate={}, edges {}..{} Hz: "
        "expected positive counts and 0 <= lower <= upper",
        mel_bins, dft_length, sample_rate, lower_hz, upper_hz);
  const int64_t spectrum_bins = dft_length / 2 + 1;
  // Allocating first rejects absurd sizes before any working buffer is sized by them.
  ir::Tensor& y = ctx.allocate_output(0, dtype, {spectrum_bins, mel_bins});

  // The filter edges: num_mel_bins + 2 points evenly spaced in mel (the step divides the range
  // by the point count, as ONNX's reference does), as spectrum bin indexes.
  const double low_mel = hz_to_mel(lower_hz);
  const double step = (hz_to_mel(upper_hz) - low_mel) / static_cast<double>(mel_bins + 2);
  std::vector<int64_t> edge(static_cast<size_t>(mel_bins + 2));
  for (size_t i = 0; i < edge.size(); ++i) {
    const double hz = mel_to_hz(low_mel + static_cast<double>(i) * step);
    const double bin = std::floor(static_cast<double>(dft_length + 1) * hz / double(sample_rate));
    if (!(bin >= 0 && bin < static_cast<double>(spectrum_bins)))
      throw_invalid_argument(
          "upper_edge_hertz {} maps to spectrum bin {}, beyond the {} bins of "
          "dft_length {} at sample_rate {}",
          upper_hz, bin, spectrum_bins, dft_length, sample_rate);
    edge[i] = static_cast<int64_t>(bin);
  }

  std::vector<double> w(static_cast<size_t>(spectrum_bins * mel_bins), 0.0);
  const auto at = [&](int64_t bin, int64_t mel) -> double& {
    return w[static_cast<size_t>(bin * mel_bins + mel)];
  };
  for (int64_t m = 0; m < mel_bins; ++m) {
    const int64_t left = edge[m], center = edge[m + 1], right = edge[m + 2];
    if (center == left) at(center, m) = 1;
    for (int64_t j = left; j <= center && center > left; ++j)
      at(j, m) = double(j - left) / double(center - left);
    for (int64_t j = center; j < right; ++j) at(j, m) = double(right - j) / double(right - center);
  }
  store_as(w.data(), y);
}

}  // namespace

void register_mel_weight_matrix(KernelRegistry& registry) {
  registry.add("MelWeightMatrix", &mel_weight_matrix);
}

}  // namespace zenith::ref
