// MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool on oneDNN, in the input's layout;
// a pool of integers (fusion.cpp: it reads a DequantizeLinear's input and its QuantizeLinear is
// fused) on the integers, in and out, an average's change of scale a linear post-op.
#include "devices/cpu/channel_block.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/pool_geometry.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct PoolEntry {
  dnnl::pooling_v2_forward::primitive_desc pd;
  dnnl::pooling_v2_forward pool;
};

class PoolOp : public CpuOp {
 public:
  // `integer`: the type of the integers a pool step reads and writes (else Undefined: f32);
  // `rescale`: for an average, (x - zero point in) * scale in / scale out + zero point out as a
  // linear post-op, where the two scales or zero points differ.
  PoolOp(const ir::Node& node, ir::DType integer, std::optional<Eltwise> rescale)
      : node_(node), integer_(integer), rescale_(rescale) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (integer_ == ir::DType::Undefined ? !CpuOp::accepts(in)
                                         : !in[0] || !in[0]->mem || in[0]->dtype() != integer_)
      return false;
    const size_t rank = in[0]->rank();
    return rank >= 3 && rank <= 5;
  }

  std::string precision() const override { return integer_ == ir::DType::Undefined ? "" : "int8"; }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    auto entry = cache_.get({in[0]->desc()}, [&] { return build(*in[0]); });
    const CpuValue src = to_layout(*in[0], src_md(entry->pd), stream);
    CpuValue dst = allocate(dst_md(entry->pd));
    execute(entry->pool, stream, {{DNNL_ARG_SRC, src.mem}, {DNNL_ARG_DST, dst.mem}});
    return {std::move(dst)};
  }

 private:
  PoolEntry build(const CpuValue& x) const {
    // Checked when the step is built, not on every run: the step then runs on REF instead.
    const std::optional<PoolGeometry> geo = pool_geometry(node_, x.dims());
    if (!geo)
      throw dnnl::error(dnnl_unimplemented,
                        "an averaging window that counts the padding, stretched by ceil_mode");
    const PoolGeometry& g = *geo;
    dnnl::primitive_attr attr = with_user_scratchpad();
    if (rescale_) attr.set_post_ops(make_post_ops({PostOp{.eltwise = *rescale_}}));
    auto make = [&](const memory::desc& src) {
      const dnnl::pooling_v2_forward::desc desc(
          dnnl::prop_kind::forward_inference, pool_algorithm(node_), src,
          memory::desc(g.out, src.data_type(), memory::format_tag::any), g.strides, g.kernel,
          g.dilation, g.pad_l, g.pad_r);
      return dnnl::pooling_v2_forward::primitive_desc(desc, attr, engine());
    };
    PoolEntry entry{make(x.desc()), {}};
    // oneDNN's JIT pools do not read every layout: on AVX2 a plain (nchw) f32 input got its
    // simple_nchw loop, 4.7 ms for AlexNet's first pool against 0.06 ms after a reorder into
    // channel blocks, which the next convolution wants anyway.
    const int64_t block = channel_block();
    if (!is_jit(entry.pd) && integer_ == ir::DType::Undefined && x.dims()[1] % block == 0) {
      auto blocked = make(blocked_desc(x.dims()));
      if (is_jit(blocked)) entry.pd = blocked;
    }
    entry.pool = dnnl::pooling_v2_forward(entry.pd);
    return entry;
  }

  const ir::Node& node_;
  ir::DType integer_;
  std::optional<Eltwise> rescale_;
  PrimitiveCache<PoolEntry> cache_;
};

}  // namespace

std::string supports_pool(const ir::Graph& graph, const ir::Node& node) {
  if (node.has_output(1)) return "MaxPool's Indices output is computed on REF";
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_pool(const ir::Graph& graph, const StepSpec& spec) {
  if (spec.fused.empty())
    return std::make_unique<PoolOp>(*spec.node, ir::DType::Undefined, std::nullopt);
  // An integer pool (fusion.cpp): its input the integers behind a DequantizeLinear, its fused
  // QuantizeLinear of the same type.
  const LinearQuantization out = *linear_quantization(graph, *spec.fused[0]);
  const LinearQuantization in = dequantization_of(graph, spec.node->inputs[0]);
  std::optional<Eltwise> rescale;
  if (in.scale != out.scale || in.zero_point != out.zero_point) {
    const float alpha = in.scale / out.scale;
    rescale =
        Eltwise{dnnl::algorithm::eltwise_linear, alpha,
                static_cast<float>(out.zero_point) - static_cast<float>(in.zero_point) * alpha};
  }
  return std::make_unique<PoolOp>(*spec.node, out.type, rescale);
}

}  // namespace zenith::cpu
