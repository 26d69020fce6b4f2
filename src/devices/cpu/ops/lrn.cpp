// LRN across channels on oneDNN (odd sizes: ONNX pads an even window asymmetrically, oneDNN
// symmetrically).
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

struct LrnEntry {
  dnnl::lrn_forward primitive;
};

class LrnOp : public CpuOp {
 public:
  explicit LrnOp(const ir::Node& node)
      : size_(node.attr<int64_t>("size")),
        alpha_(node.attr<float>("alpha", 1e-4f)),
        beta_(node.attr<float>("beta", 0.75f)),
        bias_(node.attr<float>("bias", 1.0f)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    const auto rank = in[0]->dims().size();
    return CpuOp::accepts(in) && rank >= 3 && rank <= 5;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    auto entry = cache_.get({x.desc()}, [&] {
      const dnnl::lrn_forward::desc desc(dnnl::prop_kind::forward_inference,
                                         dnnl::algorithm::lrn_across_channels, x.desc(), size_,
                                         alpha_, beta_, bias_);
      return LrnEntry{dnnl::lrn_forward(dnnl::lrn_forward::primitive_desc(desc, with_user_scratchpad(), engine()))};
    });
    CpuValue dst = allocate(x.desc());
    execute(entry->primitive, stream, {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, dst.mem}});
    return {std::move(dst)};
  }

 private:
  int64_t size_;
  float alpha_, beta_, bias_;
  PrimitiveCache<LrnEntry> cache_;
};

}  // namespace

std::string supports_lrn(const ir::Graph& graph, const ir::Node& node) {
  if (node.attr<int64_t>("size", 0) % 2 == 0) return "LRN with an even size is computed on REF";
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_lrn(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<LrnOp>(*spec.node);
}

}  // namespace zenith::cpu
