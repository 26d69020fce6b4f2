// QuantizeLinear and DequantizeLinear with one scale and zero point, as oneDNN reorders that
// scale and shift while they convert: f32 <-> u8 / s8. Where the CPU's integer convolutions read
// and write (zenith.QConv) these are the edges of the integer regions.
#include <algorithm>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {

std::optional<LinearQuantization> linear_quantization(const ir::Graph& graph,
                                                      const ir::Node& node) {
  if (!node.has_input(1)) return std::nullopt;
  const auto scale = graph.initializers.find(node.inputs[1]);
  if (scale == graph.initializers.end() || scale->second.dtype() != ir::DType::F32 ||
      scale->second.numel() != 1 || !(*scale->second.data<float>() > 0))
    return std::nullopt;
  LinearQuantization q{*scale->second.data<float>(), ir::DType::U8};
  if (!node.has_input(2)) {  // ONNX: a u8 zero point of 0, or for DequantizeLinear the input's type
    if (node.op_type == "DequantizeLinear" &&
        declared_dtype(graph, node.inputs[0]) == ir::DType::I8)
      q.type = ir::DType::I8;
    return q;
  }
  const auto zero = graph.initializers.find(node.inputs[2]);
  if (zero == graph.initializers.end() || zero->second.numel() != 1) return std::nullopt;
  q.type = zero->second.dtype();
  if (q.type != ir::DType::U8 && q.type != ir::DType::I8) return std::nullopt;
  q.zero_point = integer_scalar(zero->second);
  return q;
}

LinearQuantization dequantization_of(const ir::Graph& graph, const std::string& value) {
  const auto dq = std::find_if(graph.nodes.begin(), graph.nodes.end(), [&](const ir::Node& n) {
    return n.op_type == "DequantizeLinear" && !n.outputs.empty() && n.outputs[0] == value;
  });
  return *linear_quantization(graph, *dq);
}

namespace {

struct ReorderEntry {
  dnnl::reorder reorder;
  dnnl::memory::desc dst;
};

class QuantizeLinearOp : public CpuOp {
 public:
  QuantizeLinearOp(const ir::Node& node, LinearQuantization q)
      : quantize_(node.op_type == "QuantizeLinear"), q_(q) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!in[0] || !in[0]->mem) return false;
    return quantize_ ? in[0]->is_f32() : in[0]->dtype() == q_.type;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    auto entry = cache_.get({in[0]->desc()}, [&] { return build(in[0]->desc()); });
    CpuValue dst = allocate(entry->dst);
    execute(entry->reorder, stream, {{DNNL_ARG_FROM, in[0]->mem}, {DNNL_ARG_TO, dst.mem}});
    return {std::move(dst)};
  }

 private:
  // Integers go out channels-last for 4-D tensors, the layout oneDNN's integer convolutions
  // read, so the conversion is also the one reorder into it; floats come back in the integers'
  // layout.
  ReorderEntry build(const dnnl::memory::desc& src) const {
    const ir::Dims dims = dims_of(src);
    const auto type = *dnnl_type(quantize_ ? q_.type : ir::DType::F32);
    using tag_t = std::optional<dnnl::memory::format_tag>;
    const tag_t tag = !quantize_         ? format_tag_of(src)
                      : dims.size() == 4 ? tag_t(dnnl::memory::format_tag::nhwc)
                                         : std::nullopt;
    const dnnl::memory::desc dst = tag ? tagged_desc(dims, *tag, type) : plain_desc(dims, type);
    dnnl::primitive_attr attr = with_user_scratchpad();
    // oneDNN: to = scale * (from - from's zero point) + to's zero point.
    attr.set_output_scales(0, {quantize_ ? 1.0f / q_.scale : q_.scale});
    if (q_.zero_point != 0)
      attr.set_zero_points(quantize_ ? DNNL_ARG_TO : DNNL_ARG_FROM, 0, {q_.zero_point});
    return {dnnl::reorder(dnnl::reorder::primitive_desc(engine(), src, engine(), dst, attr)), dst};
  }

  bool quantize_;
  LinearQuantization q_;
  PrimitiveCache<ReorderEntry> cache_;
};

}  // namespace

std::string supports_quantize_linear(const ir::Graph& graph, const ir::Node& node) {
  if (!linear_quantization(graph, node))
    return "only one constant positive scale and one constant u8 / s8 zero point run on CPU";
  return "";
}

std::unique_ptr<CpuOp> build_quantize_linear(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<QuantizeLinearOp>(*spec.node, *linear_quantization(graph, *spec.node));
}

}  // namespace zenith::cpu
