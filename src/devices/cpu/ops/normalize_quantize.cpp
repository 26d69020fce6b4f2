// [Concat ->] BatchNormalization -> [Relu ->] QuantizeLinear as one loop of our own: DenseNet's
// pre-activation before each integer convolution. Apart, the concat writes its f32 inputs out
// whole, the normalization reads and writes them again, and the quantization reads them a third
// time; here each input is read once and only the integers are written, channels-last, the
// layout the integer convolutions read. oneDNN 2.6 has no primitive for it (its batch norm
// writes f32 or s8, never u8, and takes one input).
#include <cmath>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/parallel.h"
#include "passes/pass_util.h"

namespace zenith::cpu {

std::optional<ChannelAffine> batch_norm_affine(const ir::Graph& graph, const ir::Node& node) {
  if (node.op_type != "BatchNormalization" || node.attr<int64_t>("training_mode", 0) != 0 ||
      node.inputs.size() < 5)
    return std::nullopt;
  const ir::Tensor* param[4];  // scale (gamma), B (beta), mean, var
  for (size_t i = 0; i < 4; ++i) {
    param[i] = passes::constant_of(graph, node.inputs[i + 1]);
    if (!param[i] || param[i]->dtype() != ir::DType::F32 || param[i]->rank() != 1 ||
        param[i]->numel() != param[0]->numel())
      return std::nullopt;
  }
  const double epsilon = node.attr<float>("epsilon", 1e-5f);
  ChannelAffine affine;
  for (int64_t c = 0; c < param[0]->numel(); ++c) {
    const double s = param[0]->data<float>()[c] / std::sqrt(param[3]->data<float>()[c] + epsilon);
    affine.scale.push_back(static_cast<float>(s));
    affine.shift.push_back(
        static_cast<float>(param[1]->data<float>()[c] - param[2]->data<float>()[c] * s));
  }
  return affine;
}

namespace {

using dnnl::memory;

// The channels-last tag of a rank (nc is its own for rank 2).
memory::format_tag channels_last(size_t rank) {
  using tag = memory::format_tag;
  switch (rank) {
    case 2:
      return tag::ab;
    case 3:
      return tag::acb;
    case 4:
      return tag::acdb;
    default:
      return tag::acdeb;
  }
}

// Rounds to nearest, ties to even (as oneDNN's reorders and ONNX do) for |v| < 2^22: adding
// 1.5 * 2^23 leaves no fraction bits. Unlike std::nearbyint it vectorizes without SSE4.1.
inline float round_even(float v) {
  constexpr float kMagic = 12582912.0f;
  return (v + kMagic) - kMagic;
}

// One pixel's `channels` inputs at `x`: out = round(clamp(x * scale + shift)) + zero point.
// Clamping first to [lo, hi] (the integer range less the zero point, from 0 after a ReLU) gives
// what rounding, then saturating, gives, and a NaN becomes lo.
template <typename Out>
void quantize_channels(const float* x, Out* out, int64_t channels, const float* scale,
                       const float* shift, float lo, float hi, int32_t zero_point) {
#pragma omp simd
  for (int64_t c = 0; c < channels; ++c) {
    float v = x[c] * scale[c] + shift[c];
    v = v > lo ? v : lo;
    v = v < hi ? v : hi;
    out[c] = static_cast<Out>(static_cast<int32_t>(round_even(v)) + zero_point);
  }
}

class NormalizeQuantizeOp : public CpuOp {
 public:
  NormalizeQuantizeOp(ChannelAffine affine, LinearQuantization q, bool relu, size_t inputs)
      : inputs_(inputs), q_(q), zero_point_(q.zero_point) {
    // Divided by the quantization scale once here rather than per element.
    for (size_t c = 0; c < affine.scale.size(); ++c) {
      scale_.push_back(affine.scale[c] / q.scale);
      shift_.push_back(affine.shift[c] / q.scale);
    }
    const auto zero = static_cast<float>(zero_point_);
    lo_ = (q.type == ir::DType::U8 ? 0.0f : -128.0f) - zero;
    if (relu) lo_ = std::max(lo_, 0.0f);
    hi_ = (q.type == ir::DType::U8 ? 255.0f : 127.0f) - zero;
  }

  // f32 inputs of one rank >= 2 whose channels add up to the normalization's, alike in every
  // other dim.
  bool accepts(const std::vector<const CpuValue*>& in) const override {
    int64_t channels = 0;
    for (size_t i = 0; i < inputs_; ++i) {
      if (!in[i] || !in[i]->is_f32() || in[i]->rank() < 2 || in[i]->rank() > 5 ||
          in[i]->rank() != in[0]->rank())
        return false;
      for (size_t d = 0; d < in[i]->rank(); ++d)
        if (d != 1 && in[i]->dim(d) != in[0]->dim(d)) return false;
      channels += in[i]->dim(1);
    }
    return channels == static_cast<int64_t>(scale_.size());
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const dnnl_memory_desc_t& first = in[0]->desc().data;
    const size_t rank = static_cast<size_t>(first.ndims);
    dnnl_dims_t dims;
    std::copy(first.dims, first.dims + rank, dims);
    dims[1] = static_cast<int64_t>(scale_.size());
    const memory::format_tag tag = channels_last(rank);
    CpuValue y = allocate(tagged_desc(std::span(dims, rank), tag, *dnnl_type(q_.type)));
    int64_t rows = dims[0];  // pixels: every dim but the channels
    for (size_t d = 2; d < rank; ++d) rows *= dims[d];

    // Each input channels-last (a copy only for one that is not: a layout other steps chose).
    // (The fusion takes at most kMaxNormalizeQuantizeInputs, so these live on the stack.)
    CpuValue copies[kMaxNormalizeQuantizeInputs];
    const float* src[kMaxNormalizeQuantizeInputs];
    int64_t width[kMaxNormalizeQuantizeInputs];
    for (size_t i = 0; i < inputs_; ++i) {
      const dnnl_memory_desc_t& md = in[i]->desc().data;
      const memory::desc want = tagged_desc(std::span(md.dims, rank), tag);
      const CpuValue* x = in[i];
      if (x->desc() != want) {
        copies[i] = to_layout(*x, want, stream);
        x = &copies[i];
      }
      src[i] = static_cast<const float*>(x->mem.get_data_handle());
      width[i] = md.dims[1];
    }
    note_kernel("zenith:normalize_quantize");
    auto* dst = static_cast<std::byte*>(y.mem.get_data_handle());
    if (q_.type == ir::DType::U8)
      quantize_rows(src, width, reinterpret_cast<uint8_t*>(dst), rows);
    else
      quantize_rows(src, width, reinterpret_cast<int8_t*>(dst), rows);
    return {std::move(y)};
  }

 private:
  template <typename Out>
  void quantize_rows(const float* const* src, const int64_t* width, Out* dst, int64_t rows) const {
    const auto channels = static_cast<int64_t>(scale_.size());
    parallel_ranges(rows, rows * channels >= kParallelElements, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        int64_t c0 = 0;
        for (size_t i = 0; i < inputs_; ++i) {
          quantize_channels(src[i] + r * width[i], dst + r * channels + c0, width[i],
                            scale_.data() + c0, shift_.data() + c0, lo_, hi_, zero_point_);
          c0 += width[i];
        }
      }
    });
  }

  size_t inputs_;
  LinearQuantization q_;
  int32_t zero_point_;
  std::vector<float> scale_, shift_;
  float lo_ = 0.0f, hi_ = 0.0f;
};

}  // namespace

std::unique_ptr<CpuOp> build_normalize_quantize(const ir::Graph& graph, const StepSpec& spec) {
  const bool concat = spec.node->op_type == "Concat";
  const ir::Node& bn = concat ? *spec.fused.front() : *spec.node;
  const bool relu = spec.fused.size() == (concat ? 3u : 2u);
  return std::make_unique<NormalizeQuantizeOp>(*batch_norm_affine(graph, bn),
                                               *linear_quantization(graph, *spec.fused.back()),
                                               relu, concat ? spec.node->inputs.size() : 1);
}

}  // namespace zenith::cpu
