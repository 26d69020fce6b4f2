// Softmax / LogSoftmax (opset-13 form: along one axis, any axis) on oneDNN.
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

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    const ir::Dims dims = x.dims();
    const auto axis =
        static_cast<size_t>(axis_ < 0 ? axis_ + static_cast<int64_t>(dims.size()) : axis_);
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < dims.size(); ++i) (i < axis ? outer : inner) *= i == axis ? 1 : dims[i];
    if (inner == 1) {
      CpuValue y = allocate(x.desc());
      execute(primitive(x.desc(), static_cast<int>(axis))->primitive, stream,
              {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, y.mem}});
      return {std::move(y)};
    }
    // oneDNN 2.6 runs a softmax over any axis but the innermost with its reference kernel, so
    // the axis is made innermost by a reorder, and put back by another.
    const int64_t n = dims[axis];
    ir::Tensor keep;
    const memory src = plain_view(x, {outer, n, inner}, stream, keep);
    const memory::desc rows = plain_desc({outer, inner, n});
    const memory::desc rows_seen_as_src({outer, n, inner}, memory::data_type::f32,
                                        {n * inner, 1, n});
    CpuValue t = allocate(rows);
    reorder(src, memory(rows_seen_as_src, engine(), t.mem.get_data_handle()), stream);
    execute(primitive(rows, 2)->primitive, stream, {{DNNL_ARG_SRC, t.mem}, {DNNL_ARG_DST, t.mem}});
    CpuValue y = allocate(plain_desc(dims));
    reorder(memory(rows_seen_as_src, engine(), t.mem.get_data_handle()),
            memory(src.get_desc(), engine(), y.mem.get_data_handle()), stream);
    return {std::move(y)};
  }

 private:
  std::shared_ptr<const SoftmaxEntry> primitive(const memory::desc& desc, int axis) const {
    return cache_.get({desc}, [&] {
      const dnnl::softmax_v2_forward::desc d(dnnl::prop_kind::forward_inference, alg_, desc, desc,
                                             axis);
      return SoftmaxEntry{dnnl::softmax_v2_forward(
          dnnl::softmax_v2_forward::primitive_desc(d, with_user_scratchpad(), engine()))};
    });
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
