#include "devices/cpu/ops/channel_broadcast.h"

#include <algorithm>

#include "devices/cpu/arena.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/parallel.h"

namespace zenith::cpu {
namespace {

// `values` per image, padded to whole runs, in a buffer of the run; the padding keeps dst's zero
// channels zero (0 op 0, and 0 / 1 for Div).
std::shared_ptr<void> padded_values(const ChannelLayout& l, const float* values, bool per_image,
                                    float pad) {
  const int64_t images = per_image ? l.images : 1;
  const auto count = static_cast<size_t>(images * l.padded_channels);
  std::shared_ptr<void> buffer = run_buffer(count * sizeof(float));
  auto* out = static_cast<float*>(buffer.get());
  std::fill_n(out, count, pad);
  for (int64_t n = 0; n < images; ++n)
    std::copy_n(values + n * l.channels, l.channels, out + n * l.padded_channels);
  return buffer;
}

template <class Op>
void apply(const ChannelLayout& l, const float* src, const float* values, bool per_image,
           float* dst, Op op) {
  const int64_t value_image = per_image ? l.padded_channels : 0;
  const bool worth_splitting = l.images * l.padded_channels * l.pixels >= kParallelElements;
  if (l.run == 1) {  // nchw: one value over a contiguous row of pixels
    parallel_for(l.images * l.channels, worth_splitting, [&](int64_t i) {
      const int64_t n = i / l.channels, c = i % l.channels;
      const float v = values[n * value_image + c];
      const int64_t at = n * l.image + c * l.block;
#pragma omp simd
      for (int64_t p = 0; p < l.pixels; ++p) dst[at + p] = op(src[at + p], v);
    });
    return;
  }
  const int64_t runs = l.padded_channels / l.run;
  // Split by pixel, not by run of channels: an image may have fewer runs than threads.
  parallel_ranges(l.images * runs * l.pixels, worth_splitting, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end;) {
      const int64_t image_run = i / l.pixels, first = i % l.pixels;
      const int64_t last = std::min(l.pixels, first + end - i);
      const int64_t n = image_run / runs, r = image_run % runs;
      const float* v = values + n * value_image + r * l.run;
      for (int64_t p = first; p < last; ++p) {
        const int64_t at = n * l.image + r * l.block + p * l.pixel;
#pragma omp simd
        for (int64_t k = 0; k < l.run; ++k) dst[at + k] = op(src[at + k], v[k]);
      }
      i += last - first;
    }
  });
}

}  // namespace

std::optional<ChannelLayout> channel_layout(const dnnl::memory::desc& desc) {
  const dnnl_memory_desc_t& d = desc.data;
  const int rank = d.ndims;
  if (d.format_kind != dnnl_blocked || rank < 3 || d.offset0 != 0) return std::nullopt;
  const dnnl_blocking_desc_t& b = d.format_desc.blocking;
  ChannelLayout l;
  l.images = d.dims[0];
  l.channels = d.dims[1];
  l.padded_channels = d.padded_dims[1];
  l.pixels = 1;
  for (int i = 2; i < rank; ++i) {
    if (d.padded_dims[i] != d.dims[i]) return std::nullopt;
    // the pixels of one (image, channel) form one strided sequence
    if (i + 1 < rank && b.strides[i] != b.strides[i + 1] * d.dims[i + 1]) return std::nullopt;
    l.pixels *= d.dims[i];
  }
  l.image = b.strides[0];
  l.block = b.strides[1];
  l.pixel = b.strides[rank - 1];
  if (b.inner_nblks == 1 && b.inner_idxs[0] == 1) {
    l.run = b.inner_blks[0];
    if (l.pixel != l.run) return std::nullopt;
  } else if (b.inner_nblks == 0 && l.pixel == 1 && l.block >= l.pixels) {
    l.run = 1;
  } else if (b.inner_nblks == 0 && l.block == 1 && l.pixel >= l.channels) {
    l.run = l.channels;  // nhwc: the channels of a pixel are one run
    l.block = 0;
  } else {
    return std::nullopt;
  }
  return l;
}

bool broadcasts_over_pixels(const ir::Dims& full, const ir::Dims& other) {
  if (full.size() < 3 || other.size() > full.size()) return false;
  ir::Dims d = other;
  d.insert(d.begin(), full.size() - d.size(), 1);
  if ((d[0] != 1 && d[0] != full[0]) || d[1] != full[1]) return false;
  for (size_t i = 2; i < d.size(); ++i)
    if (d[i] != 1) return false;
  return true;
}

void channel_broadcast(dnnl::algorithm op, const ChannelLayout& layout, const float* full,
                       const float* values, bool per_image, float* dst) {
  using a = dnnl::algorithm;
  note_kernel("zenith:channel_broadcast");
  const std::shared_ptr<void> buffer =
      padded_values(layout, values, per_image, op == a::binary_div ? 1.0f : 0.0f);
  const auto* v = static_cast<const float*>(buffer.get());
  switch (op) {
    case a::binary_add:
      return apply(layout, full, v, per_image, dst, [](float x, float y) { return x + y; });
    case a::binary_sub:
      return apply(layout, full, v, per_image, dst, [](float x, float y) { return x - y; });
    case a::binary_mul:
      return apply(layout, full, v, per_image, dst, [](float x, float y) { return x * y; });
    default:
      return apply(layout, full, v, per_image, dst, [](float x, float y) { return x / y; });
  }
}

std::vector<dnnl::eltwise_forward> in_place_eltwises(const std::vector<PostOp>& post_ops,
                                                     const dnnl::memory::desc& desc) {
  std::vector<dnnl::eltwise_forward> out;
  for (const PostOp& p : post_ops) {
    const dnnl::eltwise_forward::desc d(dnnl::prop_kind::forward_inference, p.eltwise.alg, desc,
                                        p.eltwise.alpha, p.eltwise.beta);
    out.emplace_back(dnnl::eltwise_forward::primitive_desc(d, with_user_scratchpad(), engine()));
  }
  return out;
}

void run_in_place(const std::vector<dnnl::eltwise_forward>& eltwises, const dnnl::memory& mem,
                  dnnl::stream& stream) {
  for (const dnnl::eltwise_forward& e : eltwises)
    execute(e, stream, {{DNNL_ARG_SRC, mem}, {DNNL_ARG_DST, mem}});
}

}  // namespace zenith::cpu
