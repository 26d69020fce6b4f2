// zenith.ReluGrad(Y, dY) -> dX (autograd's Relu rule, src/train) on oneDNN's eltwise backward
// (ReLU from its destination): one pass where the rule's ONNX form (Greater, Where) took two, in
// Y's layout.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

struct ReluGradEntry {
  dnnl::eltwise_backward::primitive_desc pd;
  dnnl::eltwise_backward primitive;
};

class ReluGradOp : public CpuOp {
 public:
  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return CpuOp::accepts(in) && in[1]->dims() == in[0]->dims();
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue &y = *in[0], &dy = *in[1];
    auto entry = cache_.get({y.desc(), dy.desc()}, [&] {
      const auto relu = dnnl::algorithm::eltwise_relu_use_dst_for_bwd;
      const dnnl::eltwise_forward::primitive_desc forward(
          dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, relu, y.desc(), 0.0f),
          engine());
      const dnnl::eltwise_backward::primitive_desc pd(
          dnnl::eltwise_backward::desc(relu, y.desc(), y.desc(), 0.0f, 0.0f),
          with_user_scratchpad(), engine(), forward);
      return ReluGradEntry{pd, dnnl::eltwise_backward(pd)};
    });
    const CpuValue dy_in = to_layout(dy, entry->pd.diff_dst_desc(), stream);
    CpuValue dx = allocate(entry->pd.diff_src_desc());
    execute(entry->primitive, stream,
            {{DNNL_ARG_DST, y.mem}, {DNNL_ARG_DIFF_DST, dy_in.mem}, {DNNL_ARG_DIFF_SRC, dx.mem}});
    return {std::move(dx)};
  }

 private:
  PrimitiveCache<ReluGradEntry> cache_;
};

}  // namespace

std::string supports_relu_grad(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_relu_grad(const ir::Graph&, const StepSpec&) {
  return std::make_unique<ReluGradOp>();
}

}  // namespace zenith::cpu
