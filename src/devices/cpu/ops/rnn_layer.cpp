// RnnLayer: the input projection on oneDNN's matmul, the recurrence on loops of our own.
#include "devices/cpu/ops/rnn_layer.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "devices/cpu/arena.h"
#include "devices/cpu/cpu_isa.h"
#include "devices/cpu/cpu_value.h"
#include "devices/cpu/kernel_trace.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/vector_lanes.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

constexpr int64_t kPanel = 16;   // hidden units per panel: one AVX-512 vector, two AVX2 ones
constexpr int64_t kMaxRows = 4;  // batch rows per block: 4 accumulators of a panel

// e^x: x = n ln2 + r with |r| <= ln2 / 2, e^r by its Taylor series to r^6 (relative error
// below 2e-7), 2^n built in the exponent bits. x is clamped to [-87, 88], where 2^n is normal.
template <int kLanes, typename V = typename simd::Lanes<kLanes>::F>
[[gnu::always_inline]] inline V exp_vec(V x) {
  using I = typename simd::Lanes<kLanes>::I;
  x = x < simd::splat<V>(-87.0f) ? simd::splat<V>(-87.0f) : x;
  x = x > simd::splat<V>(88.0f) ? simd::splat<V>(88.0f) : x;
  const V magic = simd::splat<V>(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const V shifted = x * 1.44269504f + magic;
  const V n = shifted - magic;
  const V r = x - n * 0.693145752f - n * 1.42860677e-6f;  // ln 2 in two parts
  V p = simd::splat<V>(1.0f / 720);
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const I exponent = (std::bit_cast<I>(shifted) - 0x4B400000 + 127) << 23;
  return p * std::bit_cast<V>(exponent);
}
template <int kLanes, typename V>
[[gnu::always_inline]] inline V sigmoid_vec(V x) {
  return 1.0f / (1.0f + exp_vec<kLanes>(-x));
}
// Absolute error about 1e-7 near 0, where 1 - 2 / (e^2x + 1) cancels.
template <int kLanes, typename V>
[[gnu::always_inline]] inline V tanh_vec(V x) {
  return 1.0f - 2.0f / (exp_vec<kLanes>(2.0f * x) + 1.0f);
}

// One direction's recurrence, step by step.
struct Recurrence {
  const float* gx;  // the input's products plus bias, [rows][gates][padded], rows in x's order
  int64_t gx_step, gx_batch;  // floats between steps and between batch rows
  const float* h0;            // [batch][hidden], or nullptr for zeros
  float* y;                   // this direction's first unit of y
  int64_t y_step, y_batch;
  float* c;                     // LSTM: the cell state, [batch][padded]
  const float* recurrent_bias;  // GRU: h's R bias, [padded]
  const float* panels;          // R as [panel][gate][hidden][kPanel]
  int64_t hidden, padded, steps, batch;
  bool reverse;

  int64_t time(int64_t s) const { return reverse ? steps - 1 - s : s; }
  int64_t row_blocks() const { return (batch + kMaxRows - 1) / kMaxRows; }
  int64_t items() const { return padded / kPanel * row_blocks(); }
};

// Step `s` for one panel of hidden units and kRows batch rows: each gate's sums in registers
// over R's panel, then the cell, in vectors of kLanes.
// LSTM: c = f c + i tanh(c~), h = o tanh(c), with i, f, o sigmoids. GRU (linear_before_reset):
// n = tanh(x W_h + b_h + r (h R_h + R_bh)), h = n + z (h_prev - n), with z, r sigmoids.
template <int kLanes, int kRows, bool kGru>
[[gnu::always_inline]] inline void panel_rows(const Recurrence& a, int64_t s, int64_t panel,
                                              int64_t b0) {
  using V = typename simd::Lanes<kLanes>::F;
  constexpr int kParts = kPanel / kLanes;
  constexpr int64_t kGates = kGru ? 3 : 4;
  const int64_t t = a.time(s), j0 = panel * kPanel;
  const float* gx = a.gx + t * a.gx_step + b0 * a.gx_batch + j0;
  // The previous h: y at the previous step, or h0 (nothing to multiply when it is zeros).
  const float* h = nullptr;
  int64_t h_batch = 0, depth = a.hidden;
  if (s > 0) {
    h = a.y + a.time(s - 1) * a.y_step + b0 * a.y_batch;
    h_batch = a.y_batch;
  } else if (a.h0) {
    h = a.h0 + b0 * a.hidden;
    h_batch = a.hidden;
  } else {
    depth = 0;
  }
  float sums[kGates][kRows][kPanel];
  for (int64_t g = 0; g < kGates; ++g) {
    // GRU's h gate sums the recurrent part alone: r scales it before x's part is added.
    const bool recurrent_only = kGru && g == 2;
    V acc[kRows][kParts];
    for (int r = 0; r < kRows; ++r)
      for (int q = 0; q < kParts; ++q)
        acc[r][q] = recurrent_only ? simd::load<V>(a.recurrent_bias + j0 + q * kLanes)
                                   : simd::load<V>(gx + r * a.gx_batch + g * a.padded + q * kLanes);
    const float* w = a.panels + (panel * kGates + g) * a.hidden * kPanel;
    for (int64_t k = 0; k < depth; ++k) {
      V wk[kParts];
      for (int q = 0; q < kParts; ++q) wk[q] = simd::load<V>(w + k * kPanel + q * kLanes);
      for (int r = 0; r < kRows; ++r) {
        const float hk = h[r * h_batch + k];
        for (int q = 0; q < kParts; ++q) acc[r][q] += hk * wk[q];
      }
    }
    for (int r = 0; r < kRows; ++r)
      for (int q = 0; q < kParts; ++q) simd::store(sums[g][r] + q * kLanes, acc[r][q]);
  }
  const int64_t units = std::min(kPanel, a.hidden - j0);
  for (int r = 0; r < kRows; ++r) {
    float out[kPanel];
    if constexpr (kGru) {
      float previous[kPanel] = {};  // the panel's units of the previous h (zeros if none)
      if (depth > 0) std::copy_n(h + r * h_batch + j0, units, previous);
      const float* x_part = gx + r * a.gx_batch + 2 * a.padded;
      for (int q = 0; q < kPanel; q += kLanes) {
        const V z = sigmoid_vec<kLanes>(simd::load<V>(sums[0][r] + q));
        const V reset = sigmoid_vec<kLanes>(simd::load<V>(sums[1][r] + q));
        const V n =
            tanh_vec<kLanes>(simd::load<V>(x_part + q) + reset * simd::load<V>(sums[2][r] + q));
        simd::store(out + q, n + z * (simd::load<V>(previous + q) - n));
      }
    } else {
      float* c = a.c + (b0 + r) * a.padded + j0;
      for (int q = 0; q < kPanel; q += kLanes) {
        const V cell = sigmoid_vec<kLanes>(simd::load<V>(sums[1][r] + q)) * simd::load<V>(c + q) +
                       sigmoid_vec<kLanes>(simd::load<V>(sums[0][r] + q)) *
                           tanh_vec<kLanes>(simd::load<V>(sums[2][r] + q));
        simd::store(c + q, cell);
        simd::store(out + q,
                    sigmoid_vec<kLanes>(simd::load<V>(sums[3][r] + q)) * tanh_vec<kLanes>(cell));
      }
    }
    std::copy_n(out, units, a.y + t * a.y_step + (b0 + r) * a.y_batch + j0);
  }
}

// Work item `item` (a panel and a block of batch rows) of step `s`.
template <int kLanes, bool kGru>
[[gnu::always_inline]] inline void item_rows(const Recurrence& a, int64_t s, int64_t item) {
  const int64_t panel = item / a.row_blocks(), b0 = item % a.row_blocks() * kMaxRows;
  switch (std::min(kMaxRows, a.batch - b0)) {
    case 1:
      return panel_rows<kLanes, 1, kGru>(a, s, panel, b0);
    case 2:
      return panel_rows<kLanes, 2, kGru>(a, s, panel, b0);
    case 3:
      return panel_rows<kLanes, 3, kGru>(a, s, panel, b0);
    default:
      return panel_rows<kLanes, 4, kGru>(a, s, panel, b0);
  }
}

template <int kLanes>
[[gnu::always_inline]] inline void item_step(const Recurrence& a, int64_t s, int64_t item) {
  if (a.c) return item_rows<kLanes, false>(a, s, item);
  item_rows<kLanes, true>(a, s, item);
}

// The loops above are vector code already: GCC's loop vectorizer, left on, vectorized the sums
// across k with shuffles, and the LSTM ran 2x slower.
[[gnu::target("arch=x86-64-v4"), gnu::optimize("no-tree-vectorize")]] void item_step_avx512(
    const Recurrence& a, int64_t s, int64_t item) {
  item_step<16>(a, s, item);
}
[[gnu::target("avx2,fma"), gnu::optimize("no-tree-vectorize")]] void item_step_avx2(
    const Recurrence& a, int64_t s, int64_t item) {
  item_step<8>(a, s, item);
}
[[gnu::optimize("no-tree-vectorize")]] void item_step_sse(const Recurrence& a, int64_t s,
                                                          int64_t item) {
  item_step<4>(a, s, item);
}

using ItemStep = void (*)(const Recurrence&, int64_t, int64_t);

ItemStep item_step_kernel() {
  static const ItemStep kernel = avx512_core() ? &item_step_avx512
                                 : avx2_fma()  ? &item_step_avx2
                                               : &item_step_sse;
  return kernel;
}

// Every step, each split over the threads by panels and row blocks; a barrier between steps,
// since each step reads all of the previous one's h.
void recur(const Recurrence& a) {
  const ItemStep step = item_step_kernel();
  const int64_t items = a.items();
#pragma omp parallel if (items > 1)
  for (int64_t s = 0; s < a.steps; ++s) {
#pragma omp for schedule(static)
    for (int64_t i = 0; i < items; ++i) step(a, s, i);
  }
}

int64_t round_up(int64_t n, int64_t to) { return (n + to - 1) / to * to; }

}  // namespace

RnnLayer::RnnLayer(const RnnShape& shape, std::span<const float> w, std::span<const float> r,
                   std::span<const float> bias, dnnl::stream& stream)
    : shape_(shape), padded_(round_up(shape.hidden, kPanel)) {
  const int64_t rows = shape.steps * shape.batch, hidden = shape.hidden, inputs = shape.inputs;
  const int64_t gates = shape.gates(), columns = gates * padded_;
  projection_src_ = plain_desc({rows, inputs});
  projection_dst_ = plain_desc({rows, columns});
  bias_desc_ = plain_desc({1, columns});
  const dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(projection_src_, any_desc({inputs, columns}), bias_desc_, projection_dst_),
      with_user_scratchpad(), engine());
  projection_ = dnnl::matmul(pd);
  // W's and the bias's columns spread to whole panels per gate, the padding zero.
  std::vector<float> spread(static_cast<size_t>(inputs * columns));
  for (int64_t d = 0; d < shape.dirs; ++d) {
    std::fill(spread.begin(), spread.end(), 0.0f);
    const float* wd = w.data() + d * inputs * gates * hidden;
    for (int64_t i = 0; i < inputs; ++i)
      for (int64_t g = 0; g < gates; ++g)
        std::copy_n(wd + (i * gates + g) * hidden, hidden, &spread[(i * gates + g) * padded_]);
    const memory plain(plain_desc({inputs, columns}), engine(), spread.data());
    projection_weights_.push_back(packed_copy(plain, pd.weights_desc(), stream));

    const float* bd = bias.data() + d * 4 * hidden;
    std::vector<float>& b = bias_.emplace_back(static_cast<size_t>(columns), 0.0f);
    for (int64_t g = 0; g < gates; ++g) std::copy_n(bd + g * hidden, hidden, &b[g * padded_]);
    std::vector<float>& rb = recurrent_bias_.emplace_back(static_cast<size_t>(padded_), 0.0f);
    if (shape.gru) std::copy_n(bd + 3 * hidden, hidden, rb.begin());

    // R's [hidden (k), gates, hidden (j)] as [panel][gate][k][16 units of the panel].
    std::vector<float>& p = panels_.emplace_back(static_cast<size_t>(columns * hidden), 0.0f);
    const float* rd = r.data() + d * hidden * gates * hidden;
    for (int64_t panel = 0; panel < padded_ / kPanel; ++panel)
      for (int64_t g = 0; g < gates; ++g)
        for (int64_t k = 0; k < hidden; ++k)
          for (int64_t u = 0; u < kPanel && panel * kPanel + u < hidden; ++u)
            p[((panel * gates + g) * hidden + k) * kPanel + u] =
                rd[(k * gates + g) * hidden + panel * kPanel + u];
  }
}

void RnnLayer::run(const RnnIo& io, dnnl::stream& stream) const {
  const RnnShape& s = shape_;
  const CpuValue gx = allocate(projection_dst_);
  const CpuValue c = s.gru ? CpuValue() : allocate(plain_desc({s.batch, padded_}));
  float* cell = s.gru ? nullptr : static_cast<float*>(c.mem.get_data_handle());
  // Between x's (and y's) rows: in steps-first order a step is `batch` rows; batch-first, 1.
  const int64_t step_rows = s.batch_first ? 1 : s.batch, batch_rows = s.batch_first ? s.steps : 1;
  const int64_t y_row = s.dirs * s.hidden, gx_row = s.gates() * padded_;
  for (int64_t d = 0; d < s.dirs; ++d) {
    execute(projection_, stream,
            {{DNNL_ARG_SRC, run_view(projection_src_, const_cast<float*>(io.x))},
             {DNNL_ARG_WEIGHTS, projection_weights_[d]},
             {DNNL_ARG_BIAS, run_view(bias_desc_, const_cast<float*>(bias_[d].data()))},
             {DNNL_ARG_DST, gx.mem}});
    if (cell) {
      std::fill_n(cell, s.batch * padded_, 0.0f);
      if (io.c0)
        for (int64_t b = 0; b < s.batch; ++b)
          std::copy_n(io.c0 + (d * s.batch + b) * s.hidden, s.hidden, cell + b * padded_);
    }
    const Recurrence a = {.gx = static_cast<const float*>(gx.mem.get_data_handle()),
                          .gx_step = step_rows * gx_row,
                          .gx_batch = batch_rows * gx_row,
                          .h0 = io.h0 ? io.h0 + d * s.batch * s.hidden : nullptr,
                          .y = io.y + d * s.hidden,
                          .y_step = step_rows * y_row,
                          .y_batch = batch_rows * y_row,
                          .c = cell,
                          .recurrent_bias = recurrent_bias_[d].data(),
                          .panels = panels_[d].data(),
                          .hidden = s.hidden,
                          .padded = padded_,
                          .steps = s.steps,
                          .batch = s.batch,
                          .reverse = s.reverse || d == 1};
    recur(a);
    const int64_t last = a.time(s.steps - 1);
    for (int64_t b = 0; b < s.batch; ++b) {
      if (io.h_n)
        std::copy_n(a.y + last * a.y_step + b * a.y_batch, s.hidden,
                    io.h_n + (d * s.batch + b) * s.hidden);
      if (io.c_n && cell)
        std::copy_n(cell + b * padded_, s.hidden, io.c_n + (d * s.batch + b) * s.hidden);
    }
  }
  note_kernel(s.gru ? "zenith:gru" : "zenith:lstm");
}

}  // namespace zenith::cpu
