// RoiAlign on the CPU device: the feature map in channels-last order (one reorder), so each
// bilinear tap of a sample is a contiguous run of channels that one vector loop weighs and adds
// (avg) or maxes; regions run in parallel. The grid and taps are REF's (roi_align_grid.h),
// computed in double and applied in f32.
#include <algorithm>
#include <limits>

#include "devices/cpu/arena.h"
#include "devices/cpu/cpu_isa.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/parallel.h"
#include "devices/reference/roi_align_grid.h"

namespace zenith::cpu {
namespace {

struct Region {
  const float* image;  // X's image in nhwc
  int64_t channels, height, width;
  ref::RoiGrid grid;
};

// acc[c] (+)= the sample at (y, x) for every channel c: weighted taps added (avg) or maxed.
template <bool kMax>
[[gnu::always_inline]] inline void add_sample(const Region& g, const ref::AxisTap& ty,
                                              const ref::AxisTap& tx, float* acc) {
  const float w[4] = {
      static_cast<float>(ty.w_low * tx.w_low), static_cast<float>(ty.w_low * tx.w_high),
      static_cast<float>(ty.w_high * tx.w_low), static_cast<float>(ty.w_high * tx.w_high)};
  const int64_t row = g.width * g.channels;
  const float* p[4] = {g.image + ty.low * row + tx.low * g.channels,
                       g.image + ty.low * row + tx.high * g.channels,
                       g.image + ty.high * row + tx.low * g.channels,
                       g.image + ty.high * row + tx.high * g.channels};
  if constexpr (kMax) {
#pragma omp simd
    for (int64_t c = 0; c < g.channels; ++c)
      acc[c] = std::max({acc[c], w[0] * p[0][c], w[1] * p[1][c], w[2] * p[2][c], w[3] * p[3][c]});
  } else {
#pragma omp simd
    for (int64_t c = 0; c < g.channels; ++c)
      acc[c] += w[0] * p[0][c] + w[1] * p[1][c] + w[2] * p[2][c] + w[3] * p[3][c];
  }
}

// Output bin (ph, pw) of one region, every channel, into out[c * bins] with `acc` as scratch.
template <bool kMax>
[[gnu::always_inline]] inline void bin(const Region& g, int64_t ph, int64_t pw, float* acc,
                                       float* out, int64_t bins) {
  std::fill_n(acc, g.channels, kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
  for (int64_t iy = 0; iy < g.grid.grid_h; ++iy) {
    const ref::AxisTap ty = ref::axis_tap(g.grid.sample_y(ph, iy), g.height);
    for (int64_t ix = 0; ix < g.grid.grid_w; ++ix)
      add_sample<kMax>(g, ty, ref::axis_tap(g.grid.sample_x(pw, ix), g.width), acc);
  }
  if (g.grid.grid_h * g.grid.grid_w == 0) std::fill_n(acc, g.channels, 0.0f);
  const float scale = kMax ? 1.0f : static_cast<float>(1.0 / g.grid.count);
  for (int64_t c = 0; c < g.channels; ++c) out[c * bins] = acc[c] * scale;
}

// Every bin of one region: out is its [C, out_h, out_w] block.
template <bool kMax>
[[gnu::always_inline]] inline void region(const Region& g, int64_t out_h, int64_t out_w, float* acc,
                                          float* out) {
  for (int64_t ph = 0; ph < out_h; ++ph)
    for (int64_t pw = 0; pw < out_w; ++pw)
      bin<kMax>(g, ph, pw, acc, out + ph * out_w + pw, out_h * out_w);
}

using RegionFn = void (*)(const Region&, int64_t, int64_t, float*, float*);

template <bool kMax>
void region_sse(const Region& g, int64_t h, int64_t w, float* acc, float* out) {
  region<kMax>(g, h, w, acc, out);
}
template <bool kMax>
[[gnu::target("avx2,fma")]] void region_avx2(const Region& g, int64_t h, int64_t w, float* acc,
                                             float* out) {
  region<kMax>(g, h, w, acc, out);
}
template <bool kMax>
[[gnu::target("arch=x86-64-v4")]] void region_avx512(const Region& g, int64_t h, int64_t w,
                                                     float* acc, float* out) {
  region<kMax>(g, h, w, acc, out);
}

template <bool kMax>
RegionFn region_kernel() {
  if (avx512_core()) return &region_avx512<kMax>;
  return avx2_fma() ? &region_avx2<kMax> : &region_sse<kMax>;
}

class RoiAlignOp : public CpuOp {
 public:
  explicit RoiAlignOp(const ir::Node& node)
      : options_(ref::roi_align_options(node)),
        kernel_(options_.max ? region_kernel<true>() : region_kernel<false>()) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && in[0]->is_f32() && in[0]->rank() == 4 && in[1] &&
           in[1]->dtype() == ir::DType::F32 && in[2] &&
           (in[2]->dtype() == ir::DType::I64 || in[2]->dtype() == ir::DType::I32);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Dims dims = in[0]->dims();
    const CpuValue x = to_layout(*in[0], tagged_desc(dims, dnnl::memory::format_tag::nhwc), stream);
    const ir::Tensor rois = to_plain(*in[1], stream);
    const ir::Tensor batch = to_plain(*in[2], stream);
    const int64_t count = ref::checked_roi_count(ir::DType::F32, dims, rois, batch);
    const int64_t channels = dims[1], height = dims[2], width = dims[3];
    CpuValue y = allocate_plain(ir::DType::F32, {count, channels, options_.out_h, options_.out_w});
    // The grids first, so that a bad region fails the step before any output is written.
    const std::shared_ptr<void> grids = run_buffer(static_cast<size_t>(count) * sizeof(Region));
    auto* regions = static_cast<Region*>(grids.get());
    const auto* image = static_cast<const float*>(x.mem.get_data_handle());
    for (int64_t r = 0; r < count; ++r) {
      const double box[4] = {rois.data<float>()[r * 4], rois.data<float>()[r * 4 + 1],
                             rois.data<float>()[r * 4 + 2], rois.data<float>()[r * 4 + 3]};
      regions[r] = {image + batch.as_int64(r) * height * width * channels, channels, height, width,
                    ref::roi_grid(options_, box, r)};
    }
    const int64_t per_region = channels * options_.out_h * options_.out_w;
    const int threads = omp_get_max_threads();
    const std::shared_ptr<void> scratch =
        run_buffer(static_cast<size_t>(threads * channels) * sizeof(float));
    float* out = y.plain.data<float>();
    note_kernel("zenith:roi_align");
    parallel_for(count, count * per_region >= kParallelElements, [&](int64_t r) {
      float* acc = static_cast<float*>(scratch.get()) + omp_get_thread_num() * channels;
      kernel_(regions[r], options_.out_h, options_.out_w, acc, out + r * per_region);
    });
    return {std::move(y)};
  }

 private:
  ref::RoiAlignOptions options_;
  RegionFn kernel_;
};

}  // namespace

std::string supports_roi_align(const ir::Graph&, const ir::Node& node) {
  try {
    ref::roi_align_options(node);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

std::unique_ptr<CpuOp> build_roi_align(const ir::Graph&, const StepSpec& spec) {
  return std::make_unique<RoiAlignOp>(*spec.node);
}

}  // namespace zenith::cpu
