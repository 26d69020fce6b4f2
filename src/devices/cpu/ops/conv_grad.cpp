// zenith.ConvGradInput / ConvGradWeight (autograd's Conv rule, src/train) on oneDNN's backward
// convolution primitives: data (dX from dY and W) and weights (dW from X and dY), each built
// with the forward primitive it belongs to as its hint, in the layouts oneDNN prefers.
#include "devices/cpu/ops/conv_geometry.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

memory::desc any(const ir::Dims& dims) {
  return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

// The shape attribute `name` (the dims of what the op computes).
ir::Dims shape_attribute(const ir::Node& node, const char* name) {
  const auto v = node.attr<std::vector<int64_t>>(name, {});
  return ir::Dims(v.begin(), v.end());
}

// The forward convolution a gradient belongs to, for X of `x` dims and W of `w` dims.
struct Forward {
  ConvGeometry geo;
  int64_t group;
  dnnl::convolution_forward::primitive_desc pd;
};

Forward forward(const ir::Node& node, const ir::Dims& x, const ir::Dims& w) {
  const ConvGeometry geo = conv_geometry(node, x, w);
  const int64_t group = node.attr<int64_t>("group", 1);
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training,
                                             dnnl::algorithm::convolution_direct, any(x),
                                             any(weight_dims(w, group)), any(geo.dst), geo.strides,
                                             geo.dilates, geo.pad_begin, geo.pad_end);
  return {geo, group, dnnl::convolution_forward::primitive_desc(desc, engine())};
}

struct DataEntry {
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data primitive;
  int64_t group;
};

class ConvGradInputOp : public CpuOp {
 public:
  explicit ConvGradInputOp(const ir::Node& node)
      : node_(node), x_(shape_attribute(node, "input_shape")) {}

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue &dy = *in[0], &w = *in[1];
    auto entry = cache_.get({dy.desc(), w.desc()}, [&] {
      const Forward f = forward(node_, x_, w.dims());
      const dnnl::convolution_backward_data::desc desc(
          dnnl::algorithm::convolution_direct, any(x_), any(weight_dims(w.dims(), f.group)),
          any(f.geo.dst), f.geo.strides, f.geo.dilates, f.geo.pad_begin, f.geo.pad_end);
      dnnl::convolution_backward_data::primitive_desc pd(desc, with_user_scratchpad(), engine(),
                                                         f.pd);
      return DataEntry{pd, dnnl::convolution_backward_data(pd), f.group};
    });
    // W's plain bytes with oneDNN's grouped dims, reordered at every run: it is a parameter.
    ir::Tensor keep;
    CpuValue grouped;
    grouped.mem = plain_view(w, weight_dims(w.dims(), entry->group), stream, keep);
    const CpuValue w_in = to_layout(grouped, entry->pd.weights_desc(), stream);
    const CpuValue dy_in = to_layout(dy, entry->pd.diff_dst_desc(), stream);
    CpuValue dx = allocate(entry->pd.diff_src_desc());
    execute(entry->primitive, stream,
            {{DNNL_ARG_DIFF_DST, dy_in.mem},
             {DNNL_ARG_WEIGHTS, w_in.mem},
             {DNNL_ARG_DIFF_SRC, dx.mem}});
    return {std::move(dx)};
  }

 private:
  const ir::Node& node_;
  ir::Dims x_;
  PrimitiveCache<DataEntry> cache_;
};

struct WeightsEntry {
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights primitive;
  std::optional<dnnl::reorder> to_plain;  // the primitive's dW layout to W's plain one
  memory::desc plain;                     // W's dims, plain
};

class ConvGradWeightOp : public CpuOp {
 public:
  explicit ConvGradWeightOp(const ir::Node& node)
      : node_(node), w_(shape_attribute(node, "weight_shape")) {}

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue &x = *in[0], &dy = *in[1];
    auto entry = cache_.get({x.desc(), dy.desc()}, [&] {
      const Forward f = forward(node_, x.dims(), w_);
      const ir::Dims grouped = weight_dims(w_, f.group);
      const dnnl::convolution_backward_weights::desc desc(
          dnnl::algorithm::convolution_direct, any(x.dims()), any(grouped), any(f.geo.dst),
          f.geo.strides, f.geo.dilates, f.geo.pad_begin, f.geo.pad_end);
      dnnl::convolution_backward_weights::primitive_desc pd(desc, with_user_scratchpad(), engine(),
                                                            f.pd);
      const memory::desc plain = plain_desc(grouped);
      WeightsEntry e{pd, dnnl::convolution_backward_weights(pd), std::nullopt, plain};
      if (pd.diff_weights_desc() != plain)
        e.to_plain = dnnl::reorder(dnnl::reorder::primitive_desc(
            engine(), pd.diff_weights_desc(), engine(), plain, with_user_scratchpad()));
      return e;
    });
    const CpuValue x_in = to_layout(x, entry->pd.src_desc(), stream);
    const CpuValue dy_in = to_layout(dy, entry->pd.diff_dst_desc(), stream);
    // dW leaves plain with W's own dims (the optimizer reads it as a tensor).
    CpuValue dw = allocate(plain_desc(w_));
    const memory dw_grouped = run_view(entry->plain, dw.mem.get_data_handle());
    CpuValue blocked;
    const memory target =
        entry->to_plain ? (blocked = allocate(entry->pd.diff_weights_desc())).mem : dw_grouped;
    execute(entry->primitive, stream,
            {{DNNL_ARG_SRC, x_in.mem},
             {DNNL_ARG_DIFF_DST, dy_in.mem},
             {DNNL_ARG_DIFF_WEIGHTS, target}});
    if (entry->to_plain)
      execute(*entry->to_plain, stream, {{DNNL_ARG_FROM, target}, {DNNL_ARG_TO, dw_grouped}});
    return {std::move(dw)};
  }

 private:
  const ir::Node& node_;
  ir::Dims w_;
  PrimitiveCache<WeightsEntry> cache_;
};

}  // namespace

std::string supports_conv_grad(const ir::Graph& graph, const ir::Node& node) {
  const char* shape = node.op_type == "ConvGradInput" ? "input_shape" : "weight_shape";
  const auto dims = node.attr<std::vector<int64_t>>(shape, {});
  if (dims.size() < 3 || dims.size() > 5) return std::string("a ") + shape + " of rank 3 to 5";
  if (node.attr<std::string>("auto_pad", "NOTSET") != "NOTSET")
    return "auto_pad is computed on REF";
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_conv_grad(const ir::Graph& graph, const StepSpec& spec) {
  if (spec.node->op_type == "ConvGradInput") return std::make_unique<ConvGradInputOp>(*spec.node);
  return std::make_unique<ConvGradWeightOp>(*spec.node);
}

}  // namespace zenith::cpu
