// zenith.QMatMul on oneDNN's integer matmul: u8 or s8 X of any rank >= 2 (its leading axes
// flattened into rows), a constant s8 W with one scale or one per output column, packed once,
// an f32 bias, eltwise post-ops and a QuantizeLinear ending the step (PostOp::Kind::Quantize),
// so Linear layers read and write integers as the integer convolutions do.
#include "devices/cpu/ops/integer_weights.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct QMatMulEntry {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul primitive;
  memory weights;
  memory bias;  // in the accumulator's units, or empty
};

class QMatMulOp : public CpuOp {
 public:
  QMatMulOp(const ir::Graph& graph, const StepSpec& spec)
      : spec_(spec),
        trans_b_(spec.node->attr<int64_t>("transB", 0) != 0),
        k_(graph.initializers.at(spec.node->inputs[kIntegerW]).dims()[trans_b_ ? 1 : 0]),
        n_(graph.initializers.at(spec.node->inputs[kIntegerW]).dims()[trans_b_ ? 0 : 1]),
        constants_(integer_weights(graph, *spec.node, n_)) {
    for (const PostOp& p : spec.post_ops)
      if (p.kind == PostOp::Kind::Quantize) out_type_ = p.dtype;
  }

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    const CpuValue* x = in[kIntegerX];
    return x && x->mem && (x->dtype() == ir::DType::U8 || x->dtype() == ir::DType::I8) &&
           x->rank() >= 2 && x->dim(x->rank() - 1) == k_;
  }

  std::string precision() const override { return "int8"; }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[kIntegerX];
    const memory::data_type x_type = x.desc().data_type();
    // The rows: every axis of X but the last, flattened, over X's plain bytes.
    ir::Dims out = x.dims();
    int64_t rows = 1;
    for (size_t i = 0; i + 1 < out.size(); ++i) rows *= out[i];
    out.back() = n_;
    ir::Tensor keep;
    const memory x_plain = plain_view(x, stream, keep);
    const memory::desc x_rows = plain_desc({rows, k_}, x_type);
    auto entry = cache_.get({x_rows}, [&] { return build(x_rows, stream); });
    CpuValue y = allocate(plain_desc(out, *dnnl_type(out_type_)));
    ExecArgs args = {{DNNL_ARG_SRC, run_view(x_rows, x_plain.get_data_handle())},
                     {DNNL_ARG_WEIGHTS, entry->weights},
                     {DNNL_ARG_DST, run_view(dst_md(entry->pd), y.mem.get_data_handle())}};
    if (entry->bias) args[DNNL_ARG_BIAS] = entry->bias;
    execute(entry->primitive, stream, args);
    return {std::move(y)};
  }

 private:
  QMatMulEntry build(const memory::desc& x_rows, dnnl::stream& stream) const {
    dnnl::primitive_attr attr = with_user_scratchpad();
    attr.set_output_scales(1 << 1, constants_.scales);  // per output column
    if (constants_.x_zero_point != 0)
      attr.set_zero_points(DNNL_ARG_SRC, 0, {constants_.x_zero_point});
    attr.set_post_ops(make_post_ops(spec_.post_ops));
    const int64_t rows = x_rows.data.dims[0];
    const memory::desc bias =
        constants_.bias.empty() ? memory::desc() : plain_desc({1, n_}, memory::data_type::f32);
    const dnnl::matmul::desc desc(
        x_rows, memory::desc({k_, n_}, memory::data_type::s8, memory::format_tag::any), bias,
        plain_desc({rows, n_}, *dnnl_type(out_type_)));
    QMatMulEntry entry{dnnl::matmul::primitive_desc(desc, attr, engine()), {}, {}, {}};
    entry.primitive = dnnl::matmul(entry.pd);
    entry.weights = packed_.get(kIntegerW, entry.pd.weights_desc(), [&] {
      // W as stored: [K, N], or [N, K] read transposed through its strides.
      const memory::desc stored =
          trans_b_ ? memory::desc({k_, n_}, memory::data_type::s8, memory::dims{1, k_})
                   : plain_desc({k_, n_}, memory::data_type::s8);
      const memory plain(stored, engine(), const_cast<std::byte*>(constants_.weights.raw()));
      return packed_copy(plain, entry.pd.weights_desc(), stream);
    });
    if (!constants_.bias.empty())
      entry.bias = memory(bias, engine(), const_cast<float*>(constants_.bias.data()));
    return entry;
  }

  StepSpec spec_;
  bool trans_b_;
  int64_t k_, n_;
  IntegerWeights constants_;
  ir::DType out_type_ = ir::DType::F32;
  PrimitiveCache<QMatMulEntry> cache_;
  PackedConstants packed_;
};

}  // namespace

std::string supports_qmatmul(const ir::Graph& graph, const ir::Node& node) {
  return supports_integer_weights(graph, node, node.attr<int64_t>("transB", 0) != 0 ? 0 : 1);
}

std::unique_ptr<CpuOp> build_qmatmul(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<QMatMulOp>(graph, spec);
}

}  // namespace zenith::cpu
