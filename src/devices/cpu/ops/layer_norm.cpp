// LayerNormalization on oneDNN's layer normalization (which normalizes over the last dim): X is
// seen as [outer, normalized elements], so any tail of axes works. Scale and B are constants,
// broadcast to the normalized shape once per input shape.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/reference/broadcast.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct LayerNormEntry {
  dnnl::layer_normalization_forward primitive;
  memory scale, shift;  // [normalized elements]
};

class LayerNormOp : public CpuOp {
 public:
  LayerNormOp(const ir::Graph& graph, const ir::Node& node)
      : axis_(node.attr<int64_t>("axis", -1)),
        epsilon_(node.attr<float>("epsilon", 1e-5f)),
        scale_(graph.initializers.at(node.inputs[1])),
        shift_(node.has_input(2) ? graph.initializers.at(node.inputs[2]) : ir::Tensor()) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!in[0] || !in[0]->is_f32()) return false;
    const ir::Dims x = in[0]->dims();
    const auto rank = static_cast<int64_t>(x.size());
    if (axis_ < -rank || axis_ >= rank || ir::checked_numel(x) == 0) return false;
    const ir::Dims tail = normalized(x);
    // REF names a Scale or B that does not broadcast to the normalized shape.
    auto fits = [&](const ir::Tensor& p) {
      try {
        return !p.defined() || ir::broadcast_dims(p.dims(), tail) == tail;
      } catch (const Error&) {
        return false;
      }
    };
    return fits(scale_) && fits(shift_);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Dims x_dims = in[0]->dims();
    const int64_t extent = ir::checked_numel(normalized(x_dims));
    const ir::Dims rows = {ir::checked_numel(x_dims) / extent, extent};
    ir::Tensor keep;
    const memory x = plain_view(*in[0], rows, stream, keep);
    // Keyed by X's dims too: how Scale and B broadcast depends on them, not just on their product.
    auto entry = cache_.get({x.get_desc(), plain_desc(x_dims)},
                            [&] { return build(x.get_desc(), normalized(x_dims)); });
    CpuValue y = allocate(plain_desc(x_dims));
    const memory y_rows = run_view(x.get_desc(), y.mem.get_data_handle());
    execute(entry->primitive, stream,
            {{DNNL_ARG_SRC, x},
             {DNNL_ARG_DST, y_rows},
             {DNNL_ARG_SCALE, entry->scale},
             {DNNL_ARG_SHIFT, entry->shift}});
    return {std::move(y)};
  }

 private:
  ir::Dims normalized(const ir::Dims& x) const {
    const int64_t axis = axis_ < 0 ? axis_ + static_cast<int64_t>(x.size()) : axis_;
    return ir::Dims(x.begin() + axis, x.end());
  }

  // `param` (or `fill` when absent) broadcast over the normalized shape `tail`.
  static memory expanded(const ir::Tensor& param, const ir::Dims& tail, float fill) {
    const int64_t extent = ir::checked_numel(tail);
    memory m(plain_desc({extent}), engine());
    auto* out = static_cast<float*>(m.get_data_handle());
    if (!param.defined()) {
      std::fill(out, out + extent, fill);
      return m;
    }
    const ref::BroadcastIndexer index(param.dims(), tail);
    for (int64_t k = 0; k < extent; ++k) out[k] = param.data<float>()[index.offset(k)];
    return m;
  }

  LayerNormEntry build(const memory::desc& rows, const ir::Dims& tail) const {
    const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    const dnnl::layer_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, rows,
                                                       epsilon_, flags);
    const dnnl::layer_normalization_forward::primitive_desc pd(desc, with_user_scratchpad(),
                                                               engine());
    return {dnnl::layer_normalization_forward(pd), expanded(scale_, tail, 1.0f),
            expanded(shift_, tail, 0.0f)};
  }

  int64_t axis_;
  float epsilon_;
  ir::Tensor scale_, shift_;
  PrimitiveCache<LayerNormEntry> cache_;
};

}  // namespace

std::string supports_layer_norm(const ir::Graph& graph, const ir::Node& node) {
  if (!node.has_input(1)) return "input Scale is missing";
  for (size_t i = 1; i < node.inputs.size() && i < 3; ++i)
    if (node.has_input(i) && !is_constant(graph, node, i))
      return fmt::format("input '{}' is not a constant; the CPU step packs Scale and B once",
                         node.inputs[i]);
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (node.has_output(i)) return "the Mean and InvStdDev outputs are computed on REF";
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_layer_norm(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<LayerNormOp>(graph, *spec.node);
}

}  // namespace zenith::cpu
