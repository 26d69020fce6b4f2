// Softmax / LogSoftmax (opset-13 form: along one axis) on oneDNN.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct SoftmaxEntry {
  dnnl::softmax_v2_forward primitive;
};

class SoftmaxOp : public CpuOp {
 public:
  explicit SoftmaxOp(const ir::Node& node)
      : axis_(node.attr<int64_t>("axis", -1)),
        alg_(node.op_type == "LogSoftmax" ? dnnl::algorithm::softmax_log
                                          : dnnl::algorithm::softmax_accurate) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in)) return false;
    const int64_t rank = static_cast<int64_t>(in[0]->dims().size());
    return axis_ >= -rank && axis_ < rank;
  }

  std::vector<CpuValue> run(const std::vector<const CpuValue*>& in,
                            dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    auto entry = cache_.get({x.desc()}, [&] {
      const int64_t rank = static_cast<int64_t>(x.dims().size());
      const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
      const dnnl::softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference, alg_, x.desc(),
                                                x.desc(), axis);
      return SoftmaxEntry{dnnl::softmax_v2_forward(dnnl::softmax_v2_forward::primitive_desc(desc, with_user_scratchpad(), engine()))};
    });
    CpuValue dst = allocate(x.desc());
    execute(entry->primitive, stream, {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, dst.mem}});
    return {std::move(dst)};
  }

 private:
  int64_t axis_;
  dnnl::algorithm alg_;
  PrimitiveCache<SoftmaxEntry> cache_;
};

}  // namespace

std::string supports_softmax(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_softmax(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<SoftmaxOp>(*spec.node);
}

}  // namespace zenith::cpu
