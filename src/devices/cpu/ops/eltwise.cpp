// Standalone activations (Relu, Clip, Sigmoid, zenith.Gelu, Pow by a constant, ...) on oneDNN, in
// the input's layout. Most are fused into the preceding Conv / Gemm / binary step instead; these
// are the rest.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

struct EltwiseEntry {
  dnnl::eltwise_forward primitive;
};

class EltwiseOp : public CpuOp {
 public:
  explicit EltwiseOp(Eltwise fn) : fn_(fn) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && in[0]->is_f32();  // Clip's bounds are constants folded into fn_
  }

  std::vector<CpuValue> run(const std::vector<const CpuValue*>& in,
                            dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    auto entry = cache_.get({x.desc()}, [&] {
      const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, fn_.alg, x.desc(),
                                             fn_.alpha, fn_.beta);
      return EltwiseEntry{dnnl::eltwise_forward(
          dnnl::eltwise_forward::primitive_desc(desc, with_user_scratchpad(), engine()))};
    });
    CpuValue dst = allocate(x.desc());
    execute(entry->primitive, stream, {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, dst.mem}});
    return {std::move(dst)};
  }

 private:
  Eltwise fn_;
  PrimitiveCache<EltwiseEntry> cache_;
};

}  // namespace

std::string supports_eltwise(const ir::Graph& graph, const ir::Node& node) {
  if (!eltwise_of(graph, node))
    return node.op_type == "Pow" ? "the exponent is not an f32 scalar constant"
                                 : "Clip's bounds are not constant";
  return require_f32(graph, node, 1);  // Pow's exponent and Clip's bounds are checked above
}

std::unique_ptr<CpuOp> build_eltwise(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<EltwiseOp>(*eltwise_of(graph, *spec.node));
}

}  // namespace zenith::cpu
