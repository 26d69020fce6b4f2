// BatchNormalization (inference) on oneDNN, in the input's layout, with a following Relu fused
// (or, before a QuantizeLinear, our own loop: normalize_quantize.cpp).
// After a Conv or Gemm it is folded into the weights by a graph pass; this runs the rest
// (DenseNet's pre-activation BN + ReLU).
#include <algorithm>
#include <cmath>

#include "devices/cpu/arena.h"
#include "devices/cpu/channel_block.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/parallel.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

// One channel block of `pixels` pixels: out = in * s + t (then ReLU). The block is a template
// argument so the inner loop is one vector. Memory-bound: an AVX-512 build of it ran no faster
// in DenseNet-121 at batch 8.
template <int kBlock>
void scale_shift_block(const float* in, float* out, int64_t pixels, const float* s, const float* t,
                       bool relu) {
  for (int64_t p = 0; p < pixels; ++p)
#pragma omp simd
    for (int k = 0; k < kBlock; ++k) {
      const float v = in[p * kBlock + k] * s[k] + t[k];
      out[p * kBlock + k] = relu ? std::max(v, 0.0f) : v;
    }
}

// y = x * scale + shift per channel (then ReLU) for such an x, into a dense blocked y: what
// oneDNN 2.6 would only run with its reference kernel.
template <int kBlock>
void scale_shift_blocked(const float* x, int64_t x_channels, float* y, const dnnl_dims_t& dims,
                         const float* scale, const float* shift, bool relu) {
  const int64_t blocks = dims[1] / kBlock, pixels = dims[2] * dims[3];
  parallel_for(dims[0] * blocks, dims[0] * dims[1] * pixels >= kParallelElements, [&](int64_t i) {
    const int64_t n = i / blocks, b = i % blocks;
    scale_shift_block<kBlock>(x + (n * x_channels + b * kBlock) * pixels, y + i * kBlock * pixels,
                              pixels, scale + b * kBlock, shift + b * kBlock, relu);
  });
}

struct BatchNormEntry {
  dnnl::batch_normalization_forward primitive;
};

class BatchNormOp : public CpuOp {
 public:
  explicit BatchNormOp(const StepSpec& spec)
      : epsilon_(spec.node->attr<float>("epsilon", 1e-5f)), relu_(!spec.post_ops.empty()) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in)) return false;
    const size_t rank = in[0]->rank();
    if (rank < 2 || rank > 5) return false;
    const int64_t channels = in[0]->dim(1);
    for (size_t i = 1; i < 5; ++i)
      if (in[i]->rank() != 1 || in[i]->dim(0) != channels) return false;
    return true;
  }

  bool reads_strided() const override { return true; }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    if (const int64_t total = strided_blocked_channels(x.desc())) return run_strided(in, total, stream);
    auto entry = cache_.get({x.desc()}, [&] {
      auto flags = dnnl::normalization_flags::use_global_stats |
                   dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
      if (relu_) flags |= dnnl::normalization_flags::fuse_norm_relu;
      const dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference,
                                                         x.desc(), epsilon_, flags);
      return BatchNormEntry{dnnl::batch_normalization_forward(
          dnnl::batch_normalization_forward::primitive_desc(desc, with_user_scratchpad(), engine()))};
    });
    ir::Tensor keep[4];
    const int args[4] = {DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE};
    ExecArgs exec_args;
    for (size_t i = 0; i < 4; ++i) exec_args[args[i]] = plain_view(*in[i + 1], stream, keep[i]);
    CpuValue dst = allocate(x.desc());
    exec_args[DNNL_ARG_SRC] = x.mem;
    exec_args[DNNL_ARG_DST] = dst.mem;
    execute(entry->primitive, stream, exec_args);
    return {std::move(dst)};
  }

 private:
  StepOutputs run_strided(const std::vector<const CpuValue*>& in, int64_t x_channels,
                          dnnl::stream& stream) const {
    const memory::desc x = in[0]->desc();
    const dnnl_dims_t& dims = x.data.dims;
    const auto channels = static_cast<size_t>(dims[1]);
    ir::Tensor keep[4];  // scale (gamma), B (beta), mean, var
    const float* param[4];
    for (size_t i = 0; i < 4; ++i)
      param[i] =
          static_cast<const float*>(plain_view(*in[i + 1], stream, keep[i]).get_data_handle());
    // The statistics may be inputs rather than constants, so this is computed per run.
    const std::shared_ptr<void> folded = run_buffer(2 * channels * sizeof(float));
    float* scale = static_cast<float*>(folded.get());
    float* shift = scale + channels;
    for (size_t c = 0; c < channels; ++c) {
      scale[c] = param[0][c] / std::sqrt(param[3][c] + epsilon_);
      shift[c] = param[1][c] - param[2][c] * scale[c];
    }
    CpuValue y = allocate(blocked_desc(std::span(dims, 4)));
    note_kernel("zenith:scale_shift_strided_blocked");
    const auto* src = static_cast<const float*>(in[0]->mem.get_data_handle());
    auto* dst = static_cast<float*>(y.mem.get_data_handle());
    if (channel_block() == 16)
      scale_shift_blocked<16>(src, x_channels, dst, dims, scale, shift, relu_);
    else
      scale_shift_blocked<8>(src, x_channels, dst, dims, scale, shift, relu_);
    return {std::move(y)};
  }

  float epsilon_;
  bool relu_;
  PrimitiveCache<BatchNormEntry> cache_;
};

}  // namespace

std::string supports_batch_norm(const ir::Graph& graph, const ir::Node& node) {
  if (node.attr<int64_t>("training_mode", 0) != 0) return "training mode is computed on REF";
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (node.has_output(i)) return "running statistics outputs are computed on REF";
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_batch_norm(const ir::Graph& graph, const StepSpec& spec) {
  if (!spec.fused.empty() && spec.fused.back()->op_type == "QuantizeLinear")
    return build_normalize_quantize(graph, spec);
  return std::make_unique<BatchNormOp>(spec);
}

}  // namespace zenith::cpu
