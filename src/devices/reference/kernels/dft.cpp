// DFT and STFT (opset 17): naive O(n^2) discrete Fourier transforms of real ([..., 1]) or complex
// ([..., 2]) signals, computed in double.
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

using Complex = std::complex<double>;

// out[k] = sum_m in[m] e^(-+2 pi i k m / n) for k < out.size(), with in zero-padded to n; the
// inverse also divides by n.
void dft(const std::vector<Complex>& in, int64_t n, bool inverse, std::vector<Complex>& out) {
  const double sign = inverse ? 1.0 : -1.0;
  for (size_t k = 0; k < out.size(); ++k) {
    Complex sum = 0;
    // (k * m) mod n, kept exact so the twiddle angle stays accurate for long transforms.
    int64_t phase = 0;
    for (const Complex& value : in) {
      const double angle = sign * 2 * std::numbers::pi * static_cast<double>(phase) / double(n);
      sum += value * Complex(std::cos(angle), std::sin(angle));
      phase = (phase + static_cast<int64_t>(k)) % n;
    }
    out[k] = inverse ? sum / static_cast<double>(n) : sum;
  }
}

// The number of components (1: real, 2: complex) of a signal whose last dim holds them.
int64_t components(const ir::Tensor& x, int64_t min_rank, std::string_view what) {
  require_floating(x, what);
  if (x.rank() < min_rank || (x.dims().back() != 1 && x.dims().back() != 2))
    throw_invalid_argument(
        "{} has shape {}, expected rank >= {} with a last dim of 1 (real) or "
        "2 (complex)",
        what, ir::to_string(x.dims()), min_rank);
  return x.dims().back();
}

void dft_op(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const int64_t comps = components(x, 3, "input 0");
  const int64_t rank = x.rank();
  int64_t axis = ctx.attr<int64_t>("axis", 1);
  if (axis < -rank || axis > rank - 2 || axis == -1)
    throw_invalid_model("attribute axis={} is out of range [{}, -2] U [0, {}]", axis, -rank,
                        rank - 2);
  if (axis < 0) axis += rank;
  const bool inverse = ctx.attr<int64_t>("inverse", 0) != 0;
  const bool onesided = ctx.attr<int64_t>("onesided", 0) != 0;
  const AxisSplit s = split_at_axis(ir::Dims(x.dims().begin(), x.dims().end() - 1), axis);
  const int64_t n = ctx.has_input(1) ? scalar_int(ctx.input(1), "input 1 (dft_length)") : s.extent;
  if (n < 1) throw_invalid_argument("input 1 (dft_length) is {}, expected >= 1", n);

  const int64_t bins = onesided ? n / 2 + 1 : n;
  ir::Dims out_dims = x.dims();
  out_dims[static_cast<size_t>(axis)] = bins;
  out_dims.back() = 2;
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  const std::vector<double> in = load_as<double>(x, "input 0");
  std::vector<double> out(static_cast<size_t>(y.numel()));
  std::vector<Complex> signal(static_cast<size_t>(std::min(n, s.extent)));
  std::vector<Complex> spectrum(static_cast<size_t>(bins));
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.inner; ++i) {
      for (int64_t m = 0; m < static_cast<int64_t>(signal.size()); ++m) {
        const double* v = &in[static_cast<size_t>(((o * s.extent + m) * s.inner + i) * comps)];
        signal[static_cast<size_t>(m)] = Complex(v[0], comps == 2 ? v[1] : 0.0);
      }
      dft(signal, n, inverse, spectrum);
      for (int64_t k = 0; k < bins; ++k) {
        double* v = &out[static_cast<size_t>(((o * bins + k) * s.inner + i) * 2)];
        v[0] = spectrum[static_cast<size_t>(k)].real();
        v[1] = spectrum[static_cast<size_t>(k)].imag();
      }
    }
  }
  store_as(out.data(), y);
}

// Frames of frame_length samples every frame_step samples, each multiplied by the window (ones
// when absent) and transformed; output [batch, frames, bins, 2].
void stft(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const int64_t comps = components(x, 3, "input 0 (signal)");
  if (x.rank() != 3)
    throw_invalid_argument("input 0 (signal) has shape {}, expected [batch, length, 1 or 2]",
                           ir::to_string(x.dims()));
  const int64_t step = scalar_int(ctx.input(1), "input 1 (frame_step)");
  std::vector<double> window;
  if (ctx.has_input(2)) {
    const ir::Tensor& w = ctx.input(2);
    if (w.rank() != 1)
      throw_invalid_argument("input 2 (window) has shape {}, expected 1-D",
                             ir::to_string(w.dims()));
    window = load_as<double>(w, "input 2 (window)");
  }
  const int64_t length = ctx.has_input(3) ? scalar_int(ctx.input(3), "input 3 (frame_length)")
                                          : static_cast<int64_t>(window.size());
  if (!ctx.has_input(2)) window.assign(static_cast<size_t>(std::max<int64_t>(length, 0)), 1.0);
  const int64_t batch = x.dims()[0], samples = x.dims()[1];
  if (step < 1 || length < 1 || length > samples || static_cast<int64_t>(window.size()) != length)
    throw_invalid_argument(
        "frame_step={}, frame_length={}, window of {}: expected step >= 1 and "
        "1 <= frame_length == window length <= signal length {}",
        step, length, window.size(), samples);
  const bool onesided = ctx.attr<int64_t>("onesided", 1) != 0;
  const int64_t frames = (samples - length) / step + 1;
  const int64_t bins = onesided ? length / 2 + 1 : length;
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), {batch, frames, bins, 2});
  const std::vector<double> in = load_as<double>(x, "input 0 (signal)");
  std::vector<double> out(static_cast<size_t>(y.numel()));
  std::vector<Complex> frame(static_cast<size_t>(length));
  std::vector<Complex> spectrum(static_cast<size_t>(bins));
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t f = 0; f < frames; ++f) {
      for (int64_t m = 0; m < length; ++m) {
        const double* v = &in[static_cast<size_t>((b * samples + f * step + m) * comps)];
        frame[static_cast<size_t>(m)] =
            Complex(v[0], comps == 2 ? v[1] : 0.0) * window[static_cast<size_t>(m)];
      }
      dft(frame, length, /*inverse=*/false, spectrum);
      double* v = &out[static_cast<size_t>((b * frames + f) * bins * 2)];
      for (const Complex& c : spectrum) {
        *v++ = c.real();
        *v++ = c.imag();
      }
    }
  }
  store_as(out.data(), y);
}

}  // namespace

void register_dft(KernelRegistry& registry) {
  registry.add("DFT", &dft_op);
  registry.add("STFT", &stft);
}

}  // namespace zenith::ref
