// zenith.QConv on oneDNN's integer convolution: u8 or s8 X, s8 W with one scale or one per output
// channel, an f32 bias, an integer residual Z (QConv's own inputs) or Conv's f32 residual-sum
// post-op, eltwise post-ops, and a QuantizeLinear ending the step that makes its output u8 or s8
// (PostOp::Kind::Quantize): so consecutive integer convolutions, residual blocks included, pass
// integers between them.
#include <algorithm>
#include <cmath>

#include "devices/cpu/ops/conv_geometry.h"
#include "devices/cpu/ops/integer_weights.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "ir/errors.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

// Inputs of zenith.QConv after the six integer_weights.h names.
constexpr size_t kZ = 6, kZScale = 7, kZZeroPoint = 8;

// The zero point at input `i`, a u8 or s8 scalar constant, or 0 when absent.
int32_t zero_point(const ir::Graph& graph, const ir::Node& node, size_t i) {
  return node.has_input(i) ? integer_scalar(graph.initializers.at(node.inputs[i])) : 0;
}

struct QConvEntry {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  memory weights;
  memory bias;  // the bias in the accumulator's units, or empty
  // An integer residual: summed as integers into a 1-byte output, else dequantized into the
  // f32 output first by this reorder.
  bool residual_as_integers = false;
  std::optional<dnnl::reorder> dequantize_residual;
};

class QConvOp : public CpuOp {
 public:
  QConvOp(const ir::Graph& graph, const StepSpec& spec)
      : node_(*spec.node),
        spec_(spec),
        constants_(integer_weights(graph, node_,
                                   graph.initializers.at(node_.inputs[kIntegerW]).dims()[0])) {
    for (size_t i = 0; i < spec.post_ops.size(); ++i) {
      if (spec.post_ops[i].kind == PostOp::Kind::Sum) sum_at_ = i;
      if (spec.post_ops[i].kind == PostOp::Kind::Quantize)
        out_type_ = *dnnl_type(spec.post_ops[i].dtype);
    }
    if (node_.has_input(kZ)) {
      // The residual is summed first, before the post-ops that followed the Add.
      residual_ = PostOp{.kind = PostOp::Kind::Sum,
                         .scale = *graph.initializers.at(node_.inputs[kZScale]).data<float>(),
                         .zero_point = zero_point(graph, node_, kZZeroPoint),
                         .input = kZ};
      sum_at_ = 0;
    }
  }

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    const CpuValue* x = in[kIntegerX];
    if (!x || !x->mem || x->rank() != constants_.weights.dims().size() || x->rank() < 3 ||
        x->rank() > 5)
      return false;
    const auto integer = [](const CpuValue& v) {
      return v.mem && (v.dtype() == ir::DType::U8 || v.dtype() == ir::DType::I8);
    };
    if (!integer(*x)) return false;
    if (residual_) return in[kZ] && integer(*in[kZ]) && in[kZ]->rank() == x->rank();
    return !sum_at_ || addend(in).is_f32();
  }

  std::string precision() const override { return "int8"; }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    std::array<memory::desc, 2> key = {in[kIntegerX]->desc()};
    size_t keys = 1;
    if (sum_at_) key[keys++] = addend(in).desc();
    auto entry = cache_.get(std::span(key.data(), keys), [&] { return build(in, stream); });
    const CpuValue src = to_layout(*in[kIntegerX], src_md(entry->pd), stream);
    const memory::desc out = dst_md(entry->pd);
    // The sum post-op accumulates onto the output: start from the addend, in place when nothing
    // reads it afterwards.
    const bool in_place = sum_at_ && addend(in).donated && addend(in).desc() == out;
    CpuValue dst = in_place ? addend(in) : allocate(out);
    dst.donated = false;
    if (sum_at_ && !in_place) start_from_addend(*entry, addend(in), dst, stream);
    ExecArgs args = {
        {DNNL_ARG_SRC, src.mem}, {DNNL_ARG_WEIGHTS, entry->weights}, {DNNL_ARG_DST, dst.mem}};
    if (entry->bias) args[DNNL_ARG_BIAS] = entry->bias;
    execute(entry->conv, stream, args);
    return {std::move(dst)};
  }

 private:
  const CpuValue& addend(const std::vector<const CpuValue*>& in) const {
    return *in[residual_ ? kZ : spec_.post_ops[*sum_at_].input];
  }

  // The sum post-op adds what the output buffer holds: the addend, copied in. An integer
  // residual goes in as its integers when the output is 1 byte wide (the sum reads them as the
  // residual's type), else dequantized into the f32 output.
  void start_from_addend(const QConvEntry& entry, const CpuValue& z, const CpuValue& dst,
                         dnnl::stream& stream) const {
    if (!residual_ || entry.residual_as_integers) {
      const memory::desc as = retyped(dst.desc(), z.desc().data_type());
      reorder(z.mem, run_view(as, dst.mem.get_data_handle()), stream);
      return;
    }
    execute(*entry.dequantize_residual, stream, {{DNNL_ARG_FROM, z.mem}, {DNNL_ARG_TO, dst.mem}});
  }

  QConvEntry build(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const {
    const ir::Dims x = in[kIntegerX]->dims();
    const ir::Dims& w = constants_.weights.dims();
    const int64_t g = node_.attr<int64_t>("group", 1);
    const ConvGeometry geo = conv_geometry(node_, x, w);
    dnnl::primitive_attr attr = with_user_scratchpad();
    attr.set_output_scales(1 << 1, constants_.scales);  // per output channel
    // Padding reads X's zero point, a real 0, as ONNX's QLinearConv and the QDQ form mean.
    if (constants_.x_zero_point != 0)
      attr.set_zero_points(DNNL_ARG_SRC, 0, {constants_.x_zero_point});
    std::vector<PostOp> post_ops = spec_.post_ops;
    const bool narrow_out = out_type_ != memory::data_type::f32;
    if (residual_) {
      PostOp sum = *residual_;
      if (narrow_out) {
        sum.dtype = in[kZ]->dtype();  // the output buffer's bytes read as Z's integers
      } else {
        sum.scale = 1.0f;  // Z dequantized into it already
        sum.zero_point = 0;
      }
      post_ops.insert(post_ops.begin(), sum);
    }
    attr.set_post_ops(make_post_ops(post_ops));
    const auto src_type = *dnnl_type(in[kIntegerX]->dtype());
    const auto bias = constants_.bias.empty()
                          ? memory::desc()
                          : memory::desc({w[0]}, memory::data_type::f32, memory::format_tag::a);
    const dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        memory::desc(x, src_type, memory::format_tag::any),
        memory::desc(weight_dims(w, g), memory::data_type::s8, memory::format_tag::any), bias,
        memory::desc(geo.dst, out_type_, memory::format_tag::any), geo.strides, geo.dilates,
        geo.pad_begin, geo.pad_end);
    QConvEntry entry{dnnl::convolution_forward::primitive_desc(desc, attr, engine()),
                     {},
                     {},
                     {},
                     residual_ && narrow_out,
                     std::nullopt};
    entry.conv = dnnl::convolution_forward(entry.pd);
    if (residual_ && !narrow_out) {
      dnnl::primitive_attr dequantize = with_user_scratchpad();
      dequantize.set_output_scales(0, {residual_->scale});
      if (residual_->zero_point != 0)
        dequantize.set_zero_points(DNNL_ARG_FROM, 0, {residual_->zero_point});
      entry.dequantize_residual = dnnl::reorder(dnnl::reorder::primitive_desc(
          engine(), in[kZ]->desc(), engine(), dst_md(entry.pd), dequantize));
    }
    entry.weights = packed_.get(kIntegerW, entry.pd.weights_desc(), [&] {
      const memory plain(plain_desc(weight_dims(w, g), memory::data_type::s8), engine(),
                         const_cast<std::byte*>(constants_.weights.raw()));
      return packed_copy(plain, entry.pd.weights_desc(), stream);
    });
    if (!constants_.bias.empty())
      entry.bias = memory(bias, engine(), const_cast<float*>(constants_.bias.data()));
    return entry;
  }

  const ir::Node& node_;
  StepSpec spec_;
  IntegerWeights constants_;
  std::optional<size_t> sum_at_;    // 0 for an integer residual, else the f32 sum post-op's
  std::optional<PostOp> residual_;  // the integer residual's sum
  memory::data_type out_type_ = memory::data_type::f32;
  PrimitiveCache<QConvEntry> cache_;
  PackedConstants packed_;
};

}  // namespace

std::string supports_qconv(const ir::Graph& graph, const ir::Node& node) {
  return supports_integer_weights(graph, node, 0);
}

std::unique_ptr<CpuOp> build_qconv(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<QConvOp>(graph, spec);
}

}  // namespace zenith::cpu
