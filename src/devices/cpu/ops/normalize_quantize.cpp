// [Concat ->] BatchNormalization -> [Relu ->] QuantizeLinear as one loop of our own: DenseNet's
// pre-activation before each integer convolution. Apart, the concat writes its inputs out whole
// in f32, the normalization reads and writes them again, and the quantization reads them a third
// time; here each input is read once, as the integers the convolutions before wrote where
// quantize_qdq kept the concat integer, and only the integers are written, channels-last, the
// layout the integer convolutions read. Before a pooling (DenseNet's transitions) the same
// loop without the QuantizeLinear writes f32. oneDNN 2.6 has no primitive for it (its batch
// norm writes f32 or s8, never u8, and takes one input).
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <type_traits>

#include "devices/cpu/cpu_isa.h"
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

// One pixel's `channels` inputs at `x`: v = x * scale + shift, at least lo (0 after a ReLU).
// Integers: out = round(clamp(v, lo, hi)) + zero point, as one byte (u8 and s8 outputs have the
// same bits once clamped to their range), [lo, hi] being the integer range less the zero point:
// clamping first gives what rounding, then saturating, gives, and a NaN becomes lo.
template <typename In, typename Out>
[[gnu::always_inline]] inline void normalize_channels(const In* x, Out* out, int64_t channels,
                                                      const float* scale, const float* shift,
                                                      float lo, float hi, int32_t zero_point) {
#pragma omp simd
  for (int64_t c = 0; c < channels; ++c) {
    float v = static_cast<float>(x[c]) * scale[c] + shift[c];
    if constexpr (std::is_same_v<Out, float>) {
      out[c] = v < lo ? lo : v;  // a NaN stays one
    } else {
      v = v > lo ? v : lo;
      v = v < hi ? v : hi;
      out[c] = static_cast<uint8_t>(static_cast<int32_t>(round_even(v)) + zero_point);
    }
  }
}

// An input's channels-last data: `width` channels per pixel of `type` (f32, u8 or s8).
struct Rows {
  const void* data = nullptr;
  int64_t width = 0;
  ir::DType type = ir::DType::F32;
};

// What a step computes besides its inputs: per-channel scale and shift, bounds.
struct RowMath {
  const float* scale;
  const float* shift;
  float lo, hi;
  int32_t zero_point;
  int64_t channels;  // of the output, all inputs together
};

// Pixels [begin, end) of every input into `out`.
template <typename Out>
[[gnu::always_inline]] inline void normalize_rows(const Rows* src, size_t inputs, int64_t begin,
                                                  int64_t end, const RowMath& m, Out* out) {
  for (int64_t r = begin; r < end; ++r) {
    int64_t c0 = 0;
    for (size_t i = 0; i < inputs; ++i) {
      const int64_t w = src[i].width;
      Out* o = out + r * m.channels + c0;
      const auto row = [&](const auto* x) {
        normalize_channels(x + r * w, o, w, m.scale + c0, m.shift + c0, m.lo, m.hi, m.zero_point);
      };
      switch (src[i].type) {
        case ir::DType::U8:
          row(static_cast<const uint8_t*>(src[i].data));
          break;
        case ir::DType::I8:
          row(static_cast<const int8_t*>(src[i].data));
          break;
        default:
          row(static_cast<const float*>(src[i].data));
          break;
      }
      c0 += w;
    }
  }
}

// The loops built for AVX-512 too, taken where oneDNN runs with it (cpu_isa.h, so that
// ONEDNN_MAX_CPU_ISA tests the other build): the loops are short (DenseNet adds 32 channels per
// input), and 16 lanes rather than 4 ran DenseNet-121's steps of this kind in under half the
// time.
template <typename Out>
[[gnu::target("arch=x86-64-v4")]] void normalize_rows_avx512(const Rows* src, size_t inputs,
                                                             int64_t begin, int64_t end,
                                                             const RowMath& m, Out* out) {
  normalize_rows(src, inputs, begin, end, m, out);
}

// One input of the step: its dtype, and for an integer one the dequantization it stands for.
struct StepInput {
  ir::DType type = ir::DType::F32;
  LinearQuantization dequantize;  // U8 / I8 inputs
};

class NormalizeQuantizeOp : public CpuOp {
 public:
  // `q`: the output's quantization; f32 output without one.
  NormalizeQuantizeOp(std::vector<StepInput> inputs, const ChannelAffine& affine,
                      std::optional<LinearQuantization> q, bool relu)
      : inputs_(std::move(inputs)), out_(q ? q->type : ir::DType::F32) {
    // Divided by the output's scale once here rather than per element.
    const float out_scale = q ? q->scale : 1.0f;
    for (size_t c = 0; c < affine.scale.size(); ++c) {
      scale_.push_back(affine.scale[c] / out_scale);
      shift_.push_back(affine.shift[c] / out_scale);
    }
    constexpr float kInf = std::numeric_limits<float>::infinity();
    zero_point_ = q ? q->zero_point : 0;
    const auto zero = static_cast<float>(zero_point_);
    lo_ = out_ == ir::DType::U8 ? -zero : out_ == ir::DType::I8 ? -128.0f - zero : -kInf;
    hi_ = out_ == ir::DType::U8 ? 255.0f - zero : out_ == ir::DType::I8 ? 127.0f - zero : kInf;
    if (relu) lo_ = std::max(lo_, 0.0f);
  }

  // Inputs of the expected dtypes and one rank >= 2 whose channels add up to the
  // normalization's, alike in every other dim.
  bool accepts(const std::vector<const CpuValue*>& in) const override {
    int64_t channels = 0;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (!in[i] || !in[i]->mem || in[i]->dtype() != inputs_[i].type || in[i]->rank() < 2 ||
          in[i]->rank() > 5 || in[i]->rank() != in[0]->rank())
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
    CpuValue y = allocate(tagged_desc(std::span(dims, rank), tag, *dnnl_type(out_)));
    int64_t rows = dims[0];  // pixels: every dim but the channels
    for (size_t d = 2; d < rank; ++d) rows *= dims[d];

    // Each input channels-last (a copy only for one that is not: a layout other steps chose).
    // (The fusion takes at most kMaxNormalizeQuantizeInputs, so these live on the stack.)
    CpuValue copies[kMaxNormalizeQuantizeInputs];
    Rows src[kMaxNormalizeQuantizeInputs];
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const memory::desc& have = in[i]->desc();
      const memory::desc want = tagged_desc(std::span(have.data.dims, rank), tag, have.data_type());
      const CpuValue* x = in[i];
      if (have != want) {
        copies[i] = to_layout(*x, want, stream);
        x = &copies[i];
      }
      src[i] = {x->mem.get_data_handle(), have.data.dims[1], inputs_[i].type};
    }
    const std::shared_ptr<const Folded> folded = folded_for(in);
    note_kernel("zenith:normalize_quantize");
    const RowMath math{folded->scale.data(), folded->shift.data(), lo_, hi_, zero_point_, dims[1]};
    void* dst = y.mem.get_data_handle();
    parallel_ranges(rows, rows * dims[1] >= kParallelElements, [&](int64_t begin, int64_t end) {
      const auto loop = [&](auto* out) {
        if (avx512_)
          normalize_rows_avx512(src, inputs_.size(), begin, end, math, out);
        else
          normalize_rows(src, inputs_.size(), begin, end, math, out);
      };
      if (out_ == ir::DType::F32)
        loop(static_cast<float*>(dst));
      else
        loop(static_cast<uint8_t*>(dst));
    });
    return {std::move(y)};
  }

 private:
  // Per channel, the scale and shift with each integer input's dequantization, (x - zero point)
  // * scale, folded in: they depend on which channels each input holds.
  struct Folded {
    std::vector<int64_t> widths;  // per input: its channels
    std::vector<float> scale, shift;
  };

  // Built at the first run with these inputs' channel counts (the warm-up), found after.
  std::shared_ptr<const Folded> folded_for(const std::vector<const CpuValue*>& in) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : folded_)
      if (std::equal(f->widths.begin(), f->widths.end(), in.begin(),
                     [](int64_t w, const CpuValue* v) { return v->dim(1) == w; }))
        return f;
    auto f = std::make_shared<Folded>();
    size_t c = 0;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const bool integer = inputs_[i].type != ir::DType::F32;
      const float in_scale = integer ? inputs_[i].dequantize.scale : 1.0f;
      const float in_zero = integer ? static_cast<float>(inputs_[i].dequantize.zero_point) : 0.0f;
      f->widths.push_back(in[i]->dim(1));
      for (int64_t k = 0; k < f->widths.back(); ++k, ++c) {
        f->scale.push_back(scale_[c] * in_scale);
        f->shift.push_back(shift_[c] - in_zero * f->scale.back());
      }
    }
    folded_.push_back(std::move(f));
    return folded_.back();
  }

  std::vector<StepInput> inputs_;
  ir::DType out_;  // F32, U8 or I8
  bool avx512_ = avx512_core();
  int32_t zero_point_ = 0;
  std::vector<float> scale_, shift_;  // the normalization's, divided by the output's scale
  float lo_ = 0.0f, hi_ = 0.0f;
  mutable std::mutex mutex_;
  mutable std::vector<std::shared_ptr<const Folded>> folded_;
};

}  // namespace

std::unique_ptr<CpuOp> build_normalize_quantize(const ir::Graph& graph, const StepSpec& spec) {
  const bool concat = spec.node->op_type == "Concat";
  const ir::Node& bn = concat ? *spec.fused.front() : *spec.node;
  const bool relu = std::any_of(spec.fused.begin(), spec.fused.end(),
                                [](const ir::Node* n) { return n->op_type == "Relu"; });
  const ir::Node& last = *spec.fused.back();
  // A concat input the step reads as integers (fusion.cpp): the DequantizeLinear it skips.
  std::vector<StepInput> inputs(concat ? spec.node->inputs.size() : 1);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (spec.inputs[i] == spec.node->inputs[i]) continue;
    inputs[i].dequantize = dequantization_of(graph, spec.node->inputs[i]);
    inputs[i].type = inputs[i].dequantize.type;
  }
  return std::make_unique<NormalizeQuantizeOp>(
      std::move(inputs), *batch_norm_affine(graph, bn),
      last.op_type == "QuantizeLinear" ? linear_quantization(graph, last) : std::nullopt, relu);
}

}  // namespace zenith::cpu
