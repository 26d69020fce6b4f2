// Softmax / LogSoftmax (opset-13 form: along one axis, any axis) on oneDNN.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

// The primitive for one input layout. oneDNN 2.6 runs a softmax over any axis but the
// innermost with its reference kernel, so there the axis is made innermost by a reorder into
// rows [outer, inner, n], and put back by another.
struct SoftmaxEntry {
  dnnl::softmax_v2_forward primitive;
  bool via_rows = false;
  memory::desc x;     // via_rows: the input's plain bytes as [outer, n, inner]
  memory::desc rows;  // via_rows: [outer, inner, n], and the same bytes seen as x
  memory::desc rows_seen_as_x;
  memory::desc y;  // the output
};

class SoftmaxOp : public CpuOp {
 public:
  explicit SoftmaxOp(const ir::Node& node)
      : axis_(node.attr<int64_t>("axis", -1)),
        alg_(node.op_type == "LogSoftmax" ? dnnl::algorithm::softmax_log
                                          : dnnl::algorithm::softmax_accurate) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in)) return false;
    const auto rank = static_cast<int64_t>(in[0]->rank());
    return axis_ >= -rank && axis_ < rank;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    auto entry = cache_.get({x.desc()}, [&] { return build(x); });
    CpuValue y = allocate(entry->y);
    if (!entry->via_rows) {
      execute(entry->primitive, stream, {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, y.mem}});
      return {std::move(y)};
    }
    ir::Tensor keep;
    const memory src = plain_as(x, entry->x, stream, keep);
    const auto [rows, buffer] = allocate_memory(entry->rows);
    reorder(src, run_view(entry->rows_seen_as_x, rows.get_data_handle()), stream);
    execute(entry->primitive, stream, {{DNNL_ARG_SRC, rows}, {DNNL_ARG_DST, rows}});
    reorder(run_view(entry->rows_seen_as_x, rows.get_data_handle()),
            run_view(entry->x, y.mem.get_data_handle()), stream);
    return {std::move(y)};
  }

 private:
  SoftmaxEntry build(const CpuValue& x) const {
    const ir::Dims dims = x.dims();
    const auto axis =
        static_cast<size_t>(axis_ < 0 ? axis_ + static_cast<int64_t>(dims.size()) : axis_);
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < dims.size(); ++i) (i < axis ? outer : inner) *= i == axis ? 1 : dims[i];
    SoftmaxEntry entry;
    entry.via_rows = inner != 1;
    entry.y = entry.via_rows ? plain_desc(dims) : x.desc();
    const int64_t n = dims[axis];
    if (entry.via_rows) {
      entry.x = plain_desc({outer, n, inner});
      entry.rows = plain_desc({outer, inner, n});
      entry.rows_seen_as_x =
          memory::desc({outer, n, inner}, memory::data_type::f32, {n * inner, 1, n});
    }
    const memory::desc& along = entry.via_rows ? entry.rows : entry.y;
    const dnnl::softmax_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg_, along, along,
                                           entry.via_rows ? 2 : static_cast<int>(axis));
    entry.primitive = dnnl::softmax_v2_forward(
        dnnl::softmax_v2_forward::primitive_desc(d, with_user_scratchpad(), engine()));
    return entry;
  }

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
