// zenith.MaxPoolGrad(X, dY) and zenith.AveragePoolGrad(dY) (autograd's pool rules, src/train) on
// oneDNN's pooling backward primitive, in the layout of the tensor they start from. Max pooling
// backward needs the forward's workspace (where each window's maximum was): the step reruns
// the forward in training mode for it, as X is what the graph keeps.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/pool_geometry.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct PoolGradEntry {
  dnnl::pooling_v2_forward::primitive_desc forward_pd;
  dnnl::pooling_v2_forward forward;  // max only: it fills the workspace
  dnnl::pooling_v2_backward::primitive_desc pd;
  dnnl::pooling_v2_backward backward;
};

// The primitives for input dims `x` in layout `x_desc` (dims and layout of X or dX).
PoolGradEntry build_entry(const ir::Node& node, const memory::desc& x_desc) {
  const std::optional<PoolGeometry> geo = pool_geometry(node, dims_of(x_desc));
  if (!geo)
    throw dnnl::error(dnnl_unimplemented,
                      "an averaging window that counts the padding, stretched by ceil_mode");
  const PoolGeometry& g = *geo;
  const dnnl::algorithm alg = pool_algorithm(node);
  const dnnl::pooling_v2_forward::desc forward(dnnl::prop_kind::forward_training, alg, x_desc,
                                               any_desc(g.out), g.strides, g.kernel, g.dilation,
                                               g.pad_l, g.pad_r);
  PoolGradEntry e;
  e.forward_pd =
      dnnl::pooling_v2_forward::primitive_desc(forward, with_user_scratchpad(), engine());
  const dnnl::pooling_v2_backward::desc backward(alg, x_desc, e.forward_pd.dst_desc(), g.strides,
                                                 g.kernel, g.dilation, g.pad_l, g.pad_r);
  e.pd = dnnl::pooling_v2_backward::primitive_desc(backward, with_user_scratchpad(), engine(),
                                                   e.forward_pd);
  if (alg == dnnl::algorithm::pooling_max) e.forward = dnnl::pooling_v2_forward(e.forward_pd);
  e.backward = dnnl::pooling_v2_backward(e.pd);
  return e;
}

class MaxPoolGradOp : public CpuOp {
 public:
  explicit MaxPoolGradOp(const ir::Node& node) : node_(node) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return CpuOp::accepts(in) && in[0]->rank() >= 3 && in[0]->rank() <= 5 &&
           in[1]->rank() == in[0]->rank();
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue &x = *in[0], &dy = *in[1];
    auto entry = cache_.get({x.desc(), dy.desc()}, [&] { return build_entry(node_, x.desc()); });
    const auto [y, y_buffer] = allocate_memory(entry->forward_pd.dst_desc());
    const auto [workspace, workspace_buffer] = allocate_memory(entry->forward_pd.workspace_desc());
    execute(entry->forward, stream,
            {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, y}, {DNNL_ARG_WORKSPACE, workspace}});
    const CpuValue dy_in = to_layout(dy, entry->pd.diff_dst_desc(), stream);
    CpuValue dx = allocate(entry->pd.diff_src_desc());
    execute(entry->backward, stream,
            {{DNNL_ARG_DIFF_DST, dy_in.mem},
             {DNNL_ARG_WORKSPACE, workspace},
             {DNNL_ARG_DIFF_SRC, dx.mem}});
    return {std::move(dx)};
  }

 private:
  const ir::Node& node_;
  PrimitiveCache<PoolGradEntry> cache_;
};

class AveragePoolGradOp : public CpuOp {
 public:
  explicit AveragePoolGradOp(const ir::Node& node) : node_(node) {
    const auto x = node.attr<std::vector<int64_t>>("input_shape", {});
    x_.assign(x.begin(), x.end());
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& dy = *in[0];
    auto entry = cache_.get({dy.desc()}, [&] {
      // dX in dY's layout (plain if it has none of the common ones).
      const auto tag = format_tag_of(dy.desc());
      return build_entry(node_, tag ? tagged_desc(x_, *tag) : plain_desc(x_));
    });
    const CpuValue dy_in = to_layout(dy, entry->pd.diff_dst_desc(), stream);
    CpuValue dx = allocate(entry->pd.diff_src_desc());
    execute(entry->backward, stream, {{DNNL_ARG_DIFF_DST, dy_in.mem}, {DNNL_ARG_DIFF_SRC, dx.mem}});
    return {std::move(dx)};
  }

 private:
  const ir::Node& node_;
  ir::Dims x_;
  PrimitiveCache<PoolGradEntry> cache_;
};

}  // namespace

std::string supports_pool_grad(const ir::Graph& graph, const ir::Node& node) {
  if (node.op_type == "AveragePoolGrad") {
    const size_t rank = node.attr<std::vector<int64_t>>("input_shape", {}).size();
    if (rank < 3 || rank > 5) return "an input_shape of rank 3 to 5";
  }
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_pool_grad(const ir::Graph& graph, const StepSpec& spec) {
  if (spec.node->op_type == "MaxPoolGrad") return std::make_unique<MaxPoolGradOp>(*spec.node);
  return std::make_unique<AveragePoolGradOp>(*spec.node);
}

}  // namespace zenith::cpu
