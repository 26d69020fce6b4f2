// Standalone activations (Relu, Clip, Sigmoid, zenith.Gelu, Pow by a constant, ...) on oneDNN, in
// the input's layout. Most are fused into the preceding Conv / Gemm / binary step instead; these
// are the rest.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

struct EltwiseEntry {
  std::vector<dnnl::eltwise_forward> primitives;  // the first reads x, the others work in place
};

class EltwiseOp : public CpuOp {
 public:
  explicit EltwiseOp(std::vector<Eltwise> fns) : fns_(std::move(fns)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && in[0]->is_f32();  // Clip's bounds are constants folded into fn_
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    auto entry = cache_.get({x.desc()}, [&] {
      EltwiseEntry e;
      for (const Eltwise& fn : fns_) {
        const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, fn.alg, x.desc(),
                                               fn.alpha, fn.beta);
        e.primitives.emplace_back(
            dnnl::eltwise_forward::primitive_desc(desc, with_user_scratchpad(), engine()));
      }
      return e;
    });
    CpuValue dst = allocate(x.desc());
    const dnnl::memory* src = &x.mem;
    for (const dnnl::eltwise_forward& p : entry->primitives) {
      execute(p, stream, {{DNNL_ARG_SRC, *src}, {DNNL_ARG_DST, dst.mem}});
      src = &dst.mem;
    }
    return {std::move(dst)};
  }

 private:
  std::vector<Eltwise> fns_;
  PrimitiveCache<EltwiseEntry> cache_;
};

}  // namespace

std::string supports_eltwise(const ir::Graph& graph, const ir::Node& node) {
  if (eltwise_of(graph, node).empty())
    return node.op_type == "Pow" ? "the exponent is not an f32 scalar constant"
                                 : "Clip's bounds are not constant";
  return require_f32(graph, node, 1);  // Pow's exponent and Clip's bounds are checked above
}

std::unique_ptr<CpuOp> build_eltwise(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<EltwiseOp>(eltwise_of(graph, *spec.node));
}

}  // namespace zenith::cpu
