// Conv on oneDNN: grouped / depthwise / dilated, all pads and auto_pad, with bias and fused
// post-ops (activations, and the residual Add as a sum written into the output buffer).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/ops/channel_broadcast.h"
#include "devices/cpu/ops/conv_choice.h"
#include "devices/cpu/ops/conv_geometry.h"
#include "devices/cpu/ops/narrow_group_conv.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/winograd.h"
#include "devices/reference/spatial_util.h"
#include "ir/errors.h"
#include "passes/pass_util.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct ConvEntry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  std::optional<dnnl::memory> weights;  // reordered once when W is a constant
  // When the residual addend does not have the output's dims, or oneDNN has only its reference
  // kernel for the convolution with the sum among its post-ops (an eltwise before the sum, as in
  // EfficientNetV2's Conv + SiLU + Add, on AVX2), it is added by a binary step (broadcasting)
  // that also applies the post-ops that followed the sum.
  std::optional<dnnl::binary> add;
  bool add_in_dst_layout = false;  // the addend is read in the output's layout, else plain
  // Or, for an addend of one value per channel (oneDNN 2.6 adds a plain one to blocks with its
  // reference kernel), our loop then these post-ops.
  std::optional<ChannelLayout> per_channel_add;
  std::vector<dnnl::eltwise_forward> add_post_ops;
  // A depthwise post-op's weights and bias (zeros when it has none), packed once.
  std::optional<dnnl::memory> dw_weights, dw_bias;
  // Zenith's own Winograd kernel, when it won against `conv` on this layer (then `conv` is not
  // run).
  std::shared_ptr<const WinogradConv> winograd;
  // Zenith's own kernel for groups of 4 channels, where oneDNN has no JIT kernel (then `conv` is
  // not run, and X and Y are in channel blocks whatever `pd` says).
  std::shared_ptr<const NarrowGroupConv> narrow;
};

// Which kernel a 3x3 stride-1 layer that Zenith's own Winograd can run takes (own_kernel_choice).
OwnKernel winograd_kernel() {
  static const OwnKernel kernel = own_kernel_choice("ZENITH_CPU_WINOGRAD");
  return kernel;
}

// 2-D convolutions whose groups fill whole channel blocks take the blocked layout
// (channel_block(): nChw16c on AVX-512, nChw8c on AVX2), that of oneDNN's direct kernels and its
// Winograd kernel (3x3, stride 1): ResNet-50 batch 8 ran 17% faster than in the channels-last
// layout oneDNN picks by itself, DenseNet-121 batch 8 17% faster (211 -> 175 ms). DenseNet's
// concats, 2.5x slower to copy in blocks, are done in place at batch 1
// (devices/cpu/concat_chains.h). Other layers let oneDNN choose: forced into blocks, groups
// of 4 channels (ResNeXt-50) had only oneDNN's reference kernel, 300 ms for one layer.
// The layouts of X and Y: blocks where the groups fill whole blocks (for group 1 each side on
// its own: the first layer's 3 input channels do not), else the primitive's choice.
std::pair<memory::desc, memory::desc> activation_descs(const ir::Dims& x, const ir::Dims& w,
                                                       const ir::Dims& y, int64_t g) {
  const int64_t block = channel_block();
  const auto pick = [](bool blocked, const ir::Dims& dims) {
    return blocked ? blocked_desc(dims) : any_desc(dims);
  };
  if (x.size() != 4) return {any_desc(x), any_desc(y)};
  if (g == 1) return {pick(x[1] % block == 0, x), pick(y[1] % block == 0, y)};
  const bool depthwise = w[1] == 1 && w[0] == g;
  const bool blocked = depthwise ? x[1] % block == 0 : w[1] % block == 0 && (w[0] / g) % block == 0;
  return {pick(blocked, x), pick(blocked, y)};
}

// The argument ids of a depthwise post-op's weights and bias.
constexpr int kDepthwiseWeights = DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS;
constexpr int kDepthwiseBias = DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS;

class ConvOp : public CpuOp {
 public:
  ConvOp(const ir::Graph& graph, const StepSpec& spec)
      : node_(*spec.node),
        spec_(spec),
        constant_weights_(is_constant(graph, node_, 1)),
        bf16_(spec.precision == ir::DType::BF16) {
    for (size_t i = 0; i < spec.post_ops.size(); ++i) {
      if (spec.post_ops[i].kind == PostOp::Kind::Sum) sum_at_ = i;
      if (spec.post_ops[i].kind == PostOp::Kind::Depthwise) depthwise_at_ = i;
    }
  }

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in)) return false;
    const size_t rank = in[0]->rank();
    return rank >= 3 && rank <= 5 && in[1]->rank() == rank;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    return run_into(in, CpuValue(), stream);
  }

  std::string precision() const override { return built_bf16_ ? "bf16" : "f32"; }

  StepOutputs run_into(const std::vector<const CpuValue*>& in, const CpuValue& into,
                       dnnl::stream& stream) const override {
    std::array<memory::desc, 3> key = {in[0]->desc()};
    size_t keys = 1;
    if (!constant_weights_) key[keys++] = in[1]->desc();
    if (sum_at_) key[keys++] = addend(in).desc();
    auto entry = cache_.get(std::span(key.data(), keys), [&] { return build(in, stream); });

    const CpuValue src =
        to_layout(*in[0], entry->narrow ? blocked_desc(in[0]->dims()) : src_md(entry->pd), stream);
    // The sum post-op accumulates onto the output buffer: start from the addend, in place when
    // nothing reads the addend afterwards.
    const bool summed = sum_at_ && !entry->add && !entry->per_channel_add;  // by the post-op
    const memory::desc out =
        entry->narrow ? blocked_desc(entry->pd.dst_desc().dims()) : dst_md(entry->pd);
    const bool in_place = summed && addend(in).donated && addend(in).desc() == out;
    const bool into_offered = !sum_at_ && into.mem && into.desc() == out;
    CpuValue dst = in_place ? addend(in) : into_offered ? into : allocate(out);
    dst.donated = false;
    if (summed && !in_place) {
      dnnl::memory z = addend(in).mem;
      reorder(z, dst.mem, stream);
    }
    ir::Tensor b_plain;
    const memory bias = has_bias() ? plain_view(*in[2], stream, b_plain) : memory();
    if (entry->winograd || entry->narrow) {
      const auto* x = static_cast<const float*>(src.mem.get_data_handle());
      const auto* b = bias ? static_cast<const float*>(bias.get_data_handle()) : nullptr;
      auto* y = static_cast<float*>(dst.mem.get_data_handle());
      if (entry->winograd)
        entry->winograd->run(x, b, y);
      else
        entry->narrow->run(x, b, y);
    } else {
      const memory weights =
          entry->weights ? *entry->weights : reorder_weights(entry->pd, *in[1], stream);
      ExecArgs args = {
          {DNNL_ARG_SRC, src.mem}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst.mem}};
      if (bias) args[DNNL_ARG_BIAS] = bias;
      if (entry->dw_weights) {
        args[kDepthwiseWeights] = *entry->dw_weights;
        args[kDepthwiseBias] = *entry->dw_bias;
      }
      execute(entry->conv, stream, args);
    }
    if (entry->per_channel_add) {
      const ir::Tensor z = to_plain(addend(in), stream);
      auto* out = static_cast<float*>(dst.mem.get_data_handle());
      channel_broadcast(dnnl::algorithm::binary_add, *entry->per_channel_add, out, z.data<float>(),
                        z.numel() != entry->per_channel_add->channels, out);
      run_in_place(entry->add_post_ops, dst.mem, stream);
    } else if (entry->add) {
      ir::Tensor z_plain;
      CpuValue z_laid;
      if (entry->add_in_dst_layout) z_laid = to_layout(addend(in), entry->pd.dst_desc(), stream);
      const memory z = entry->add_in_dst_layout
                           ? z_laid.mem
                           : plain_view(addend(in), broadcast_dims(addend(in).dims(), dst.dims()),
                                        stream, z_plain);
      // A same-layout addend goes into a new buffer: in place, oneDNN 2.6's binary kernel left
      // the last, partly padded channel block of a 19-channel map without the sum.
      CpuValue sum = entry->add_in_dst_layout ? allocate(dst.desc()) : dst;
      execute(*entry->add, stream,
              {{DNNL_ARG_SRC_0, dst.mem}, {DNNL_ARG_SRC_1, z}, {DNNL_ARG_DST, sum.mem}});
      dst = std::move(sum);
    }
    return {std::move(dst)};
  }

 private:
  const CpuValue& addend(const std::vector<const CpuValue*>& in) const {
    return *in[spec_.post_ops[*sum_at_].input];
  }

  // The addend's dims with leading 1s up to the output's rank (numpy broadcasting).
  static ir::Dims broadcast_dims(ir::Dims dims, const ir::Dims& out) {
    dims.insert(dims.begin(), out.size() - dims.size(), 1);
    return dims;
  }

  int64_t group() const { return node_.attr<int64_t>("group", 1); }
  // Input 2 is B only when the node has one: the step's inputs go on with the sum's addend.
  bool has_bias() const { return node_.has_input(2); }

  memory reorder_weights(const dnnl::convolution_forward::primitive_desc& pd, const CpuValue& w,
                         dnnl::stream& stream) const {
    ir::Tensor keep;
    return packed_copy(plain_view(w, weight_dims(w.dims(), group()), stream, keep),
                       pd.weights_desc(), stream);
  }

  // The depthwise post-op's weights [M, 1, 3, 3] (as [M, 1, 1, 3, 3]) and bias in the layouts
  // the primitive wants.
  void pack_depthwise(ConvEntry& entry, const std::vector<const CpuValue*>& in,
                      dnnl::stream& stream) const {
    const PostOp& dw = spec_.post_ops[*depthwise_at_];
    const CpuValue& w = *in[dw.input];
    ir::Tensor keep;
    const memory::desc weights = entry.pd.query_md(dnnl::query::exec_arg_md, kDepthwiseWeights);
    entry.dw_weights = packed_.get(dw.input, weights, [&] {
      return packed_copy(plain_view(w, weight_dims(w.dims(), w.dims()[0]), stream, keep), weights,
                         stream);
    });
    const memory::desc bias = entry.pd.query_md(dnnl::query::exec_arg_md, kDepthwiseBias);
    entry.dw_bias = packed_.get(dw.input + 1, bias, [&] {
      if (dw.bias) return packed_copy(plain_view(*in[dw.input + 1], stream, keep), bias, stream);
      memory zeros(bias, engine());
      std::memset(zeros.get_data_handle(), 0, bias.get_size());  // 0.0 in f32 and bf16 alike
      return zeros;
    });
  }

  // Zenith's Winograd kernel for a 3x3 stride-1 layer with constant weights, if it runs the layer
  // (blocked on both sides, as `pd` has it) and wins against `pd` or is asked for.
  std::shared_ptr<const WinogradConv> own_winograd(
      const dnnl::convolution_forward::primitive_desc& pd,
      const dnnl::convolution_forward::desc& direct, const dnnl::primitive_attr& attr,
      const std::vector<PostOp>& conv_ops, const ConvGeometry& geo,
      const std::vector<const CpuValue*>& in, dnnl::stream& stream) const {
    const OwnKernel kernel = winograd_kernel();
    const auto post_ops = own_post_ops(conv_ops);
    const ir::Dims x = in[0]->dims();
    // The kernel takes whole channel blocks in and out (winograd.h): with 20 outputs it wrote
    // the last, padded block wrong.
    if (kernel == OwnKernel::OneDnn || !WinogradConv::available() || !post_ops || x.size() != 4 ||
        x[1] % channel_block() != 0 || geo.dst[1] % channel_block() != 0 ||
        pd.src_desc() != blocked_desc(x) || pd.dst_desc() != blocked_desc(geo.dst) ||
        implemented_by(pd, "jit_wino"))
      return nullptr;
    ir::Tensor w_plain, b_plain;
    const memory w_mem = plain_view(*in[1], in[1]->dims(), stream, w_plain);
    const WinogradGeometry g = {.batch = x[0],
                                .channels = x[1],
                                .outputs = geo.dst[1],
                                .height = x[2],
                                .width = x[3],
                                .out_height = geo.dst[2],
                                .out_width = geo.dst[3],
                                .pad_top = geo.pad_begin[0],
                                .pad_left = geo.pad_begin[1]};
    const auto* w_data = static_cast<const float*>(w_mem.get_data_handle());
    auto own = std::make_shared<const WinogradConv>(
        g, std::span(w_data, static_cast<size_t>(g.outputs * g.channels * 9)), *post_ops);
    if (kernel == OwnKernel::Zenith) return own;
    const memory b_mem = has_bias() ? plain_view(*in[2], stream, b_plain) : memory();
    std::string why;
    return own_winograd_wins(pd, direct, attr, *own, w_mem, b_mem, stream, why) ? own : nullptr;
  }

  // Zenith's kernel for a 2-D layer with constant weights in groups of 4 channels (in and out),
  // in channel blocks, when oneDNN's pick for it is not one of its JIT kernels.
  std::shared_ptr<const NarrowGroupConv> narrow_group_conv(
      const dnnl::convolution_forward::primitive_desc& pd, const std::vector<PostOp>& conv_ops,
      const ConvGeometry& geo, const std::vector<const CpuValue*>& in, dnnl::stream& stream) const {
    const ir::Dims x = in[0]->dims(), w = in[1]->dims();
    constexpr int64_t kGroup = NarrowGroupConv::kGroupChannels;
    const auto post_ops = own_post_ops(conv_ops);
    if (!constant_weights_ || is_jit(pd) || !NarrowGroupConv::available() || !post_ops ||
        x.size() != 4 || group() * kGroup != x[1] || w != ir::Dims{x[1], kGroup, w[2], w[3]} ||
        x[1] % channel_block() != 0 || geo.dilates != ir::Dims{0, 0})
      return nullptr;
    ir::Tensor w_plain;
    const memory w_mem = plain_view(*in[1], w, stream, w_plain);
    const NarrowGroupGeometry g = {.batch = x[0],
                                   .channels = x[1],
                                   .height = x[2],
                                   .width = x[3],
                                   .out_height = geo.dst[2],
                                   .out_width = geo.dst[3],
                                   .kernel_h = w[2],
                                   .kernel_w = w[3],
                                   .stride_h = geo.strides[0],
                                   .stride_w = geo.strides[1],
                                   .pad_top = geo.pad_begin[0],
                                   .pad_left = geo.pad_begin[1]};
    const auto* w_data = static_cast<const float*>(w_mem.get_data_handle());
    return std::make_shared<const NarrowGroupConv>(
        g, std::span(w_data, static_cast<size_t>(w[0] * kGroup * w[2] * w[3])), *post_ops);
  }

  ConvEntry build(const std::vector<const CpuValue*>& in, dnnl::stream& stream,
                  bool split_sum = false) const {
    const ir::Dims x = in[0]->dims();
    const ir::Dims w = in[1]->dims();
    const int64_t g = group();
    const ConvGeometry geo = conv_geometry(node_, x, w);
    const ir::Dims& dst = geo.dst;

    std::vector<PostOp> conv_ops = spec_.post_ops, add_ops;
    const bool split = sum_at_ && (split_sum || addend(in).dims() != dst);
    if (split) {
      add_ops.assign(conv_ops.begin() + static_cast<ptrdiff_t>(*sum_at_) + 1, conv_ops.end());
      conv_ops.resize(*sum_at_);
    }
    dnnl::primitive_attr attr = with_user_scratchpad();
    attr.set_post_ops(make_post_ops(conv_ops));
    const memory::desc bias = has_bias() ? any_desc({w[0]}) : memory::desc();
    const auto [src_desc, dst_desc] = activation_descs(x, w, dst, g);
    // BF16 reads the input and weights as BF16 and accumulates and writes f32, so the steps
    // around it are those of f32.
    auto make = [&](dnnl::algorithm alg, memory::data_type type = memory::data_type::f32,
                    const memory::desc& src = {}, const memory::desc& out = {}) {
      return dnnl::convolution_forward::desc(
          dnnl::prop_kind::forward_inference, alg, retyped(src ? src : src_desc, type),
          retyped(any_desc(weight_dims(w, g)), type), bias, out ? out : dst_desc, geo.strides,
          geo.dilates, geo.pad_begin, geo.pad_end);
    };
    // Winograd only for weights packed once: weights fed at every run (a training step's) would
    // be transformed at every run, which made ResNet-50's 3x3 layers up to 9x slower than direct
    // (and a choice by timing would let two training runs differ in their rounding).
    const bool winograd_shape = constant_weights_ && g == 1 && geo.kernel == ir::Dims{3, 3} &&
                                geo.strides == ir::Dims{1, 1} && geo.dilates == ir::Dims{0, 0};
    std::optional<dnnl::convolution_forward::primitive_desc> pd;
    memory packed_weights;  // when choosing a kernel packed them already
    if (bf16_)
      pd = narrow_pd<dnnl::convolution_forward::primitive_desc>(
          make(dnnl::algorithm::convolution_direct, memory::data_type::bf16), attr);
    const bool in_bf16 = pd.has_value();  // narrow_pd never gives a reference kernel
    if (in_bf16) {
      built_bf16_ = true;
    } else if (winograd_shape) {
      ir::Tensor w_plain, b_plain;
      const memory w_mem = plain_view(*in[1], weight_dims(w, g), stream, w_plain);
      const memory b_mem = has_bias() ? plain_view(*in[2], stream, b_plain) : memory();
      const ConvChoice choice =
          choose_conv(make(dnnl::algorithm::convolution_direct),
                      make(dnnl::algorithm::convolution_winograd), attr, w_mem, b_mem, stream);
      pd = choice.pd;
      packed_weights = choice.weights;
    } else {
      pd = dnnl::convolution_forward::primitive_desc(make(dnnl::algorithm::convolution_direct),
                                                     attr, engine());
    }
    if (!in_bf16 && is_reference(*pd)) {
      // A layout forced on one side can leave only oneDNN's reference kernel: AlexNet's first
      // layer (3 channels, 11x11, stride 4) into nChw8c took 840 ms on AVX2. oneDNN then picks
      // both layouts.
      pd = dnnl::convolution_forward::primitive_desc(
          make(dnnl::algorithm::convolution_direct, memory::data_type::f32, any_desc(x),
               any_desc(dst)),
          attr, engine());
      packed_weights = memory();
      if (is_reference(*pd) && sum_at_ && !split) return build(in, stream, true);
    }
    ConvEntry entry{*pd, {}, {}, {}, false, {}, {}, {}, {}, {}, {}};
    if (!in_bf16 && !split) entry.narrow = narrow_group_conv(entry.pd, conv_ops, geo, in, stream);
    if (!in_bf16 && winograd_shape)
      entry.winograd = own_winograd(entry.pd, make(dnnl::algorithm::convolution_direct), attr,
                                    conv_ops, geo, in, stream);
    if (depthwise_at_) pack_depthwise(entry, in, stream);
    // The own kernels packed their weights: oneDNN's primitive and weights only where it runs.
    const bool onednn_runs = !entry.winograd && !entry.narrow;
    if (onednn_runs) entry.conv = dnnl::convolution_forward(entry.pd);
    if (constant_weights_ && onednn_runs)
      entry.weights = packed_.get(1, entry.pd.weights_desc(), [&] {
        return packed_weights ? packed_weights : reorder_weights(entry.pd, *in[1], stream);
      });
    const auto per_channel = split && broadcasts_over_pixels(dst, addend(in).dims())
                                 ? channel_layout(entry.pd.dst_desc())
                                 : std::nullopt;
    if (per_channel) {
      entry.per_channel_add = per_channel;
      entry.add_post_ops = in_place_eltwises(add_ops, entry.pd.dst_desc());
    } else if (split) {
      dnnl::primitive_attr add_attr;
      add_attr.set_post_ops(make_post_ops(add_ops));
      const memory::desc out = entry.pd.dst_desc();
      entry.add_in_dst_layout = addend(in).dims() == dst;
      const dnnl::binary::desc add(
          dnnl::algorithm::binary_add, out,
          entry.add_in_dst_layout ? out : plain_desc(broadcast_dims(addend(in).dims(), dst)), out);
      entry.add =
          dnnl::binary(dnnl::binary::primitive_desc(add, with_user_scratchpad(add_attr), engine()));
    }
    return entry;
  }

  const ir::Node& node_;
  StepSpec spec_;
  bool constant_weights_;
  bool bf16_;                                    // asked to compute in BF16
  mutable std::atomic<bool> built_bf16_{false};  // a primitive does
  std::optional<size_t> sum_at_;
  std::optional<size_t> depthwise_at_;
  PrimitiveCache<ConvEntry> cache_;
  PackedConstants packed_;
};

}  // namespace

std::string supports_conv(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_conv(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ConvOp>(graph, spec);
}

std::optional<int64_t> depthwise_post_op_stride(const ir::Graph& graph,
                                                const std::map<std::string, ir::Dims>& dims,
                                                const ir::Node& conv,
                                                const std::vector<PostOp>& before,
                                                const ir::Node& dw) {
  // Symbolic dims count as 1 in `dims`: only a plan compiled for concrete shapes knows the
  // kernel the pair gets.
  const auto x = dims.find(conv.inputs[0]);
  if (!passes::all_inputs_concrete(graph) || x == dims.end() || x->second.size() != 4 ||
      !is_constant(graph, conv, 1) || !is_constant(graph, dw, 1) ||
      (dw.has_input(2) && !is_constant(graph, dw, 2)) || conv.attr<int64_t>("group", 1) != 1)
    return std::nullopt;
  const ir::Dims& w = graph.initializers.at(conv.inputs[1]).dims();
  const ir::Dims& wd = graph.initializers.at(dw.inputs[1]).dims();
  if (w != ir::Dims{w[0], x->second[1], 1, 1} || wd != ir::Dims{w[0], 1, 3, 3} ||
      dw.attr<int64_t>("group", 1) != w[0])
    return std::nullopt;
  ref::SpatialGeometry first, second;
  try {
    first = ref::spatial_geometry(conv, {x->second[2], x->second[3]},
                                  ref::kernel_shape(conv, 2, {1, 1}));
    second = ref::spatial_geometry(dw, first.out, ref::kernel_shape(dw, 2, {3, 3}));
  } catch (const Error&) {
    return std::nullopt;  // the step reports it when it runs
  }
  const int64_t stride = second.strides[0];
  if (first.strides != ir::Dims{1, 1} || first.pad_begin != ir::Dims{0, 0} ||
      first.pad_end != ir::Dims{0, 0} || first.dilations != ir::Dims{1, 1} ||
      second.dilations != ir::Dims{1, 1} || second.pad_begin != ir::Dims{1, 1} ||
      second.strides != ir::Dims{stride, stride} || (stride != 1 && stride != 2))
    return std::nullopt;
  std::vector<PostOp> ops = before;
  ops.push_back({.kind = PostOp::Kind::Depthwise, .stride = stride});
  dnnl::primitive_attr attr = with_user_scratchpad();
  attr.set_post_ops(make_post_ops(ops));
  const ir::Dims y = {x->second[0], w[0], first.out[0], first.out[1]};
  const auto [src, dst] = activation_descs(x->second, w, y, 1);
  try {
    const dnnl::convolution_forward::primitive_desc pd(
        {dnnl::prop_kind::forward_inference,
         dnnl::algorithm::convolution_direct,
         src,
         any_desc(w),
         conv.has_input(2) ? any_desc({w[0]}) : memory::desc(),
         dst,
         {1, 1},
         {0, 0},
         {0, 0}},
        attr, engine());
    const ir::Dims out = {x->second[0], w[0], second.out[0], second.out[1]};
    if (is_reference(pd) || pd.dst_desc().dims() != out) return std::nullopt;
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
  return stride;
}

}  // namespace zenith::cpu
