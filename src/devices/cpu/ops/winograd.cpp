// WinogradConv: F(4x4,3x3) in vectors of one channel block, per chunk of tiles.
#include "devices/cpu/ops/winograd.h"

#include <omp.h>

#include <algorithm>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/cpu_isa.h"
#include "devices/cpu/cpu_value.h"
#include "devices/cpu/kernel_trace.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/vector_lanes.h"
#include "devices/cpu/parallel.h"

namespace zenith::cpu {
namespace {

using Plan = WinogradConv::Plan;

constexpr int64_t kPoints = 36;  // of a 6x6 transformed tile
constexpr int64_t kRows = 6;     // tiles per product block: 6 x 2 vectors of accumulators
// A chunk's transformed inputs and products ([36][chunk][channels] and [36][chunk][panel])
// stay within this many bytes, about half of a core's L2 on the hosts measured.
constexpr int64_t kChunkBytes = 256 << 10;
constexpr int64_t kMaxChunk = 96;

int64_t round_up(int64_t n, int64_t to) { return (n + to - 1) / to * to; }

// B^T x over 6 values (rows of the input tile, then columns).
template <typename V>
[[gnu::always_inline]] inline void input_transform(const V (&d)[6], V (&o)[6]) {
  o[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
  o[1] = d[3] + d[4] - 4.0f * (d[1] + d[2]);
  o[2] = d[4] - d[3] + 4.0f * (d[1] - d[2]);
  o[3] = d[4] - d[2] + 2.0f * (d[3] - d[1]);
  o[4] = d[4] - d[2] - 2.0f * (d[3] - d[1]);
  o[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

// A^T x over 6 values, 4 results.
template <typename V>
[[gnu::always_inline]] inline void output_transform(const V (&m)[6], V (&o)[4]) {
  const V a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
  o[0] = m[0] + a + c;
  o[1] = b + 2.0f * d;
  o[2] = a + 4.0f * c;
  o[3] = b + 8.0f * d + m[5];
}

// One chunk's work: output panels [first_panel, end_panel) of tiles [first, first + count).
struct Work {
  const Plan& p;
  const float* src;
  const float* bias;
  float* dst;
  const float* u;
  float* v;  // [36][chunk][channels]
  float* m;  // [36][chunk][panel]
  int64_t first, count, first_panel, end_panel;
};

template <int kLanes>
struct Chunk : Work {
  using V = typename simd::Lanes<kLanes>::F;

  // Tile `t`'s image and top-left output.
  void origin(int64_t t, int64_t& n, int64_t& y, int64_t& x) const {
    n = t / (p.tiles_h * p.tiles_w);
    y = t / p.tiles_w % p.tiles_h * 4;
    x = t % p.tiles_w * 4;
  }

  // Each tile's 6x6 input, each channel block, into v.
  [[gnu::always_inline]] inline void transform_inputs() const {
    const WinogradGeometry& g = p.g;
    const int64_t blocks = g.channels / kLanes, rows = p.chunk, channels = g.channels;
    for (int64_t r = 0; r < count; ++r) {
      int64_t n, oy, ox;
      origin(first + r, n, oy, ox);
      const int64_t y0 = oy - g.pad_top, x0 = ox - g.pad_left;
      const bool inside = y0 >= 0 && x0 >= 0 && y0 + 6 <= g.height && x0 + 6 <= g.width;
      for (int64_t cb = 0; cb < blocks; ++cb) {
        const float* image = src + ((n * blocks + cb) * g.height) * g.width * kLanes;
        V rowwise[6][6];  // B^T d: [transformed row][column]
        for (int s = 0; s < 6; ++s) {
          V d[6];
          const int64_t x = x0 + s;
          for (int r6 = 0; r6 < 6; ++r6) {
            const int64_t y = y0 + r6;
            d[r6] = inside || (y >= 0 && y < g.height && x >= 0 && x < g.width)
                        ? simd::load<V>(image + (y * g.width + x) * kLanes)
                        : V{};
          }
          V o[6];
          input_transform(d, o);
          for (int i = 0; i < 6; ++i) rowwise[i][s] = o[i];
        }
        for (int i = 0; i < 6; ++i) {
          V o[6];
          input_transform(rowwise[i], o);
          for (int j = 0; j < 6; ++j)
            simd::store(v + ((i * 6 + j) * rows + r) * channels + cb * kLanes, o[j]);
        }
      }
    }
  }

  // m[point][kR rows][panel] = v[point][those rows][:] x u's panel for the point.
  template <int kR>
  [[gnu::always_inline]] inline void product(const float* vr, const float* up, float* mr) const {
    const int64_t channels = p.g.channels;
    V acc[kR][2] = {};
    for (int64_t c = 0; c < channels; ++c) {
      const V w0 = simd::load<V>(up + c * 2 * kLanes),
              w1 = simd::load<V>(up + c * 2 * kLanes + kLanes);
#pragma GCC unroll 6
      for (int r = 0; r < kR; ++r) {
        const float x = vr[r * channels + c];
        acc[r][0] += x * w0;
        acc[r][1] += x * w1;
      }
    }
#pragma GCC unroll 6
    for (int r = 0; r < kR; ++r) {
      simd::store(mr + r * 2 * kLanes, acc[r][0]);
      simd::store(mr + r * 2 * kLanes + kLanes, acc[r][1]);
    }
  }

  [[gnu::always_inline]] inline void product_rows(int64_t rows, const float* vr, const float* up,
                                                  float* mr) const {
    switch (rows) {
      case 1:
        return product<1>(vr, up, mr);
      case 2:
        return product<2>(vr, up, mr);
      case 3:
        return product<3>(vr, up, mr);
      case 4:
        return product<4>(vr, up, mr);
      case 5:
        return product<5>(vr, up, mr);
      default:
        return product<kRows>(vr, up, mr);
    }
  }

  // The panel's outputs of each tile back from m, with bias and post-ops, into dst.
  [[gnu::always_inline]] inline void transform_outputs(int64_t panel) const {
    const WinogradGeometry& g = p.g;
    const int64_t blocks = g.outputs / kLanes, rows = p.chunk;
    for (int64_t half = 0; half < 2; ++half) {
      const int64_t kb = panel * 2 + half;
      if (kb >= blocks) break;  // the last panel's padding
      const V b = bias ? simd::load<V>(bias + kb * kLanes) : V{};
      for (int64_t r = 0; r < count; ++r) {
        int64_t n, oy, ox;
        origin(first + r, n, oy, ox);
        V columnwise[4][6];  // A^T m: [output row][transformed column]
        for (int j = 0; j < 6; ++j) {
          V column[6];
          for (int i = 0; i < 6; ++i)
            column[i] = simd::load<V>(m + ((i * 6 + j) * rows + r) * 2 * kLanes + half * kLanes);
          V o[4];
          output_transform(column, o);
          for (int i = 0; i < 4; ++i) columnwise[i][j] = o[i];
        }
        float* image = dst + ((n * blocks + kb) * g.out_height) * g.out_width * kLanes;
        for (int i = 0; i < 4 && oy + i < g.out_height; ++i) {
          V o[4];
          output_transform(columnwise[i], o);
          for (int j = 0; j < 4 && ox + j < g.out_width; ++j) {
            float* out = image + ((oy + i) * g.out_width + ox + j) * kLanes;
            simd::store(out, apply_post_ops(o[j] + b, p.post_ops, out));
          }
        }
      }
    }
  }

  [[gnu::always_inline]] inline void run() const {
    transform_inputs();
    const int64_t channels = p.g.channels, rows = p.chunk, width = 2 * kLanes;
    for (int64_t panel = first_panel; panel < end_panel; ++panel) {
      for (int64_t point = 0; point < kPoints; ++point) {
        const float* up = u + (panel * kPoints + point) * channels * width;
        for (int64_t r = 0; r < count; r += kRows)
          product_rows(std::min(kRows, count - r), v + (point * rows + r) * channels, up,
                       m + (point * rows + r) * width);
      }
      transform_outputs(panel);
    }
  }
};

using ChunkFn = void (*)(const Work&);

// The loops above are vector code already (as rnn_layer.cpp's: GCC's vectorizer only adds
// shuffles to them).
[[gnu::target("arch=x86-64-v4"), gnu::optimize("no-tree-vectorize")]] void chunk_avx512(
    const Work& work) {
  Chunk<16>{work}.run();
}
[[gnu::target("avx2,fma"), gnu::optimize("no-tree-vectorize")]] void chunk_avx2(const Work& work) {
  Chunk<8>{work}.run();
}

ChunkFn chunk_kernel() { return avx512_core() ? &chunk_avx512 : &chunk_avx2; }

// G g G^T for one 3x3 kernel, in double: 36 values.
void weight_transform(const float* g, double (&u)[kPoints]) {
  double rows[6][3];  // G g
  for (int col = 0; col < 3; ++col) {
    const double g0 = g[col], g1 = g[3 + col], g2 = g[6 + col];
    rows[0][col] = g0 / 4;
    rows[1][col] = -(g0 + g1 + g2) / 6;
    rows[2][col] = -(g0 - g1 + g2) / 6;
    rows[3][col] = g0 / 24 + g1 / 12 + g2 / 6;
    rows[4][col] = g0 / 24 - g1 / 12 + g2 / 6;
    rows[5][col] = g2;
  }
  for (int i = 0; i < 6; ++i) {
    const double g0 = rows[i][0], g1 = rows[i][1], g2 = rows[i][2];
    const double out[6] = {g0 / 4,
                           -(g0 + g1 + g2) / 6,
                           -(g0 - g1 + g2) / 6,
                           g0 / 24 + g1 / 12 + g2 / 6,
                           g0 / 24 - g1 / 12 + g2 / 6,
                           g2};
    std::copy_n(out, 6, u + i * 6);
  }
}

}  // namespace

bool WinogradConv::available() {
  return (avx512_core() && channel_block() == 16) || (avx2_fma() && channel_block() == 8);
}

WinogradConv::WinogradConv(const WinogradGeometry& geometry, std::span<const float> weights,
                           std::vector<OwnPostOp> post_ops) {
  Plan& p = plan_;
  p.g = geometry;
  p.lanes = channel_block();
  p.panel = 2 * p.lanes;
  p.panels = round_up(geometry.outputs, p.panel) / p.panel;
  p.tiles_h = (geometry.out_height + 3) / 4;
  p.tiles_w = (geometry.out_width + 3) / 4;
  p.tiles = geometry.batch * p.tiles_h * p.tiles_w;
  const int64_t per_tile = kPoints * (geometry.channels + p.panel) * int64_t{sizeof(float)};
  p.chunk = std::clamp(kChunkBytes / per_tile, kRows, kMaxChunk);
  // Few tiles: one chunk, so that the weights stream in once (run() splits panels then).
  if (p.tiles <= 4 * kRows) p.chunk = p.tiles;
  p.chunk = std::min(p.chunk, p.tiles);
  p.post_ops = std::move(post_ops);

  const int64_t channels = geometry.channels, outputs = geometry.outputs;
  u_.assign(static_cast<size_t>(p.panels * kPoints * channels * p.panel), 0.0f);
  for (int64_t k = 0; k < outputs; ++k)
    for (int64_t c = 0; c < channels; ++c) {
      double t[kPoints];
      weight_transform(weights.data() + (k * channels + c) * 9, t);
      const int64_t panel = k / p.panel, lane = k % p.panel;
      for (int64_t point = 0; point < kPoints; ++point)
        u_[static_cast<size_t>(((panel * kPoints + point) * channels + c) * p.panel + lane)] =
            static_cast<float>(t[point]);
    }
}

void WinogradConv::run(const float* src, const float* bias, float* dst) const {
  const Plan& p = plan_;
  const ChunkFn fn = chunk_kernel();
  const int64_t threads = omp_get_max_threads();
  const int64_t v_floats = kPoints * p.chunk * p.g.channels, m_floats = kPoints * p.chunk * p.panel;
  const CpuValue scratch = allocate(plain_desc({threads, v_floats + m_floats}));
  float* base = static_cast<float*>(scratch.mem.get_data_handle());
  // Each thread takes an equal range of tiles, in chunks as equal as the chunk bound allows. With
  // too few tiles for that (a deep layer at batch 1), each takes all of them and a range of the
  // output panels instead: the transformed weights, larger than the caches there, then stream
  // in once per layer rather than once per chunk, for a second transform of the inputs.
  const bool by_panels = threads > 1 && p.tiles < 2 * kRows * threads && p.panels >= threads;
  parallel_ranges(threads, p.tiles > kRows, [&](int64_t begin, int64_t end) {
    float* v = base + omp_get_thread_num() * (v_floats + m_floats);
    for (int64_t share = begin; share < end; ++share) {
      const int64_t first_tile = by_panels ? 0 : p.tiles * share / threads;
      const int64_t end_tile = by_panels ? p.tiles : p.tiles * (share + 1) / threads;
      const int64_t first_panel = by_panels ? p.panels * share / threads : 0;
      const int64_t end_panel = by_panels ? p.panels * (share + 1) / threads : p.panels;
      const int64_t tiles = end_tile - first_tile;
      if (tiles == 0) continue;
      const int64_t chunks = (tiles + p.chunk - 1) / p.chunk, size = (tiles + chunks - 1) / chunks;
      for (int64_t first = first_tile; first < end_tile; first += size)
        fn({p, src, bias, dst, u_.data(), v, v + v_floats, first, std::min(size, end_tile - first),
            first_panel, end_panel});
    }
  });
  note_kernel("zenith:winograd_4x3");
}

}  // namespace zenith::cpu
