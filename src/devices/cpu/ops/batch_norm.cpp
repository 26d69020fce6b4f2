// BatchNormalization (inference) on oneDNN, in the input's layout, with a following Relu fused.
// After a Conv or Gemm it is folded into the weights by a graph pass; this runs the rest
// (DenseNet's pre-activation BN + ReLU).
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct BatchNormEntry {
  dnnl::batch_normalization_forward primitive;
};

class BatchNormOp : public CpuOp {
 public:
  explicit BatchNormOp(const StepSpec& spec)
      : epsilon_(spec.node->attr<float>("epsilon", 1e-5f)), relu_(!spec.post_ops.empty()) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in)) return false;
    const ir::Dims x = in[0]->dims();
    if (x.size() < 2 || x.size() > 5) return false;
    for (size_t i = 1; i < 5; ++i)
      if (in[i]->dims() != ir::Dims{x[1]}) return false;
    return true;
  }

  std::vector<CpuValue> run(const std::vector<const CpuValue*>& in,
                            dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    auto entry = cache_.get({x.desc()}, [&] {
      auto flags = dnnl::normalization_flags::use_global_stats |
                   dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
      if (relu_) flags |= dnnl::normalization_flags::fuse_norm_relu;
      const dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference,
                                                         x.desc(), epsilon_, flags);
      return BatchNormEntry{dnnl::batch_normalization_forward(
          dnnl::batch_normalization_forward::primitive_desc(desc, engine()))};
    });
    ir::Tensor keep[4];
    const int args[4] = {DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE};
    std::unordered_map<int, memory> exec_args;
    for (size_t i = 0; i < 4; ++i)
      exec_args[args[i]] = plain_view(*in[i + 1], in[i + 1]->dims(), stream, keep[i]);
    CpuValue dst = allocate(x.desc());
    exec_args[DNNL_ARG_SRC] = x.mem;
    exec_args[DNNL_ARG_DST] = dst.mem;
    entry->primitive.execute(stream, exec_args);
    return {std::move(dst)};
  }

 private:
  float epsilon_;
  bool relu_;
  PrimitiveCache<BatchNormEntry> cache_;
};

}  // namespace

std::string supports_batch_norm(const ir::Graph& graph, const ir::Node& node) {
  if (node.attr<int64_t>("training_mode", 0) != 0) return "training mode is computed on REF";
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (node.has_output(i)) return "running statistics outputs are computed on REF";
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_batch_norm(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<BatchNormOp>(spec);
}

}  // namespace zenith::cpu
