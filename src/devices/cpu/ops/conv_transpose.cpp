// ConvTranspose on oneDNN's deconvolution: grouped, dilated, output_padding / output_shape /
// auto_pad through REF's geometry, with bias and fused activations.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/reference/spatial_util.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct DeconvEntry {
  dnnl::deconvolution_forward::primitive_desc pd;
  dnnl::deconvolution_forward primitive;
  std::optional<memory> weights;  // reordered once when W is a constant
};

class ConvTransposeOp : public CpuOp {
 public:
  ConvTransposeOp(const ir::Graph& graph, const StepSpec& spec)
      : node_(*spec.node), spec_(spec), constant_weights_(is_constant(graph, node_, 1)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in)) return false;
    const ir::Dims x = in[0]->dims(), w = in[1]->dims();
    const int64_t g = group();
    return x.size() >= 3 && x.size() <= 5 && w.size() == x.size() && g >= 1 && w[0] == x[1] &&
           x[1] % g == 0;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const std::array<memory::desc, 2> key = {in[0]->desc(),
                                             constant_weights_ ? memory::desc() : in[1]->desc()};
    auto entry = cache_.get(std::span(key.data(), constant_weights_ ? 1 : 2),
                            [&] { return build(in, stream); });
    const CpuValue src = to_layout(*in[0], src_md(entry->pd), stream);
    const memory weights = entry->weights ? *entry->weights : reorder_weights(entry->pd, *in[1], stream);
    CpuValue dst = allocate(dst_md(entry->pd));
    ExecArgs args = {{DNNL_ARG_SRC, src.mem}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst.mem}};
    ir::Tensor keep;
    if (in.size() > 2 && in[2]) args[DNNL_ARG_BIAS] = plain_view(*in[2], stream, keep);
    execute(entry->primitive, stream, args);
    return {std::move(dst)};
  }

 private:
  int64_t group() const { return node_.attr<int64_t>("group", 1); }

  // ONNX stores W as [C, M/group, k...]; oneDNN wants [group,] M/group, C/group, k... . The
  // same bytes, described with permuted strides.
  memory::desc onnx_weights_desc(const ir::Dims& w) const {
    const int64_t g = group(), cg = w[0] / g, mg = w[1];
    int64_t k = 1;
    for (size_t i = 2; i < w.size(); ++i) k *= w[i];
    ir::Dims dims = {mg, cg}, strides = {k, mg * k};
    ir::Dims tail_strides(w.size() - 2);
    for (size_t i = w.size(), step = 1; i-- > 2;) {
      tail_strides[i - 2] = static_cast<int64_t>(step);
      step *= static_cast<size_t>(w[i]);
    }
    dims.insert(dims.end(), w.begin() + 2, w.end());
    strides.insert(strides.end(), tail_strides.begin(), tail_strides.end());
    if (g > 1) {
      dims.insert(dims.begin(), g);
      strides.insert(strides.begin(), cg * mg * k);
    }
    return memory::desc(dims, memory::data_type::f32, strides);
  }

  memory reorder_weights(const dnnl::deconvolution_forward::primitive_desc& pd, const CpuValue& w,
                         dnnl::stream& stream) const {
    const ir::Tensor plain = to_plain(w, stream);
    memory src(onnx_weights_desc(w.dims()), engine(), const_cast<std::byte*>(plain.raw()));
    return packed_copy(src, pd.weights_desc(), stream);
  }

  DeconvEntry build(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const {
    const ir::Dims x = in[0]->dims(), w = in[1]->dims();
    const ref::SpatialGeometry geo = ref::transpose_geometry(
        node_, ir::Dims(x.begin() + 2, x.end()), ir::Dims(w.begin() + 2, w.end()));
    const int64_t m = w[1] * group();
    ir::Dims dst = {x[0], m};
    dst.insert(dst.end(), geo.out.begin(), geo.out.end());
    ir::Dims dilates = geo.dilations, pad_r(geo.rank());
    for (size_t i = 0; i < geo.rank(); ++i) {
      dilates[i] -= 1;  // oneDNN counts the gaps, ONNX the step
      // oneDNN has no output_padding: its output size is fixed by the pads, so the end pad is
      // whatever gives ONNX's size (negative pads are refused, and the step runs on REF).
      const int64_t natural = geo.strides[i] * (x[i + 2] - 1) + (geo.kernel[i] - 1) * geo.dilations[i] + 1;
      pad_r[i] = natural - geo.pad_begin[i] - geo.out[i];
    }
    dnnl::primitive_attr attr;
    attr.set_post_ops(make_post_ops(spec_.post_ops));
    const bool has_bias = in.size() > 2 && in[2];
    const dnnl::deconvolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, any_desc(x),
        any_desc(onnx_weights_desc(w).dims()), has_bias ? any_desc({m}) : memory::desc(),
        any_desc(dst), geo.strides, dilates, geo.pad_begin, pad_r);
    DeconvEntry entry{dnnl::deconvolution_forward::primitive_desc(desc, with_user_scratchpad(attr), engine()), {}, {}};
    entry.primitive = dnnl::deconvolution_forward(entry.pd);
    if (constant_weights_)
      entry.weights = packed_.get(1, entry.pd.weights_desc(),
                                  [&] { return reorder_weights(entry.pd, *in[1], stream); });
    return entry;
  }

  const ir::Node& node_;
  StepSpec spec_;
  bool constant_weights_;
  PrimitiveCache<DeconvEntry> cache_;
  PackedConstants packed_;
};

}  // namespace

std::string supports_conv_transpose(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_conv_transpose(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ConvTransposeOp>(graph, spec);
}

}  // namespace zenith::cpu
