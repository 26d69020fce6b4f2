// Reshape and Flatten on the CPU device: the same bytes under new dims, as on REF, after a
// reorder to plain when the input is blocked. Run here, they keep their neighbours' tensors on
// the CPU side instead of sending them through REF's plain scope.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

class ReshapeOp : public CpuOp {
 public:
  explicit ReshapeOp(const ir::Node& node)
      : reshape_(node.op_type == "Reshape"),
        allow_zero_(node.attr<int64_t>("allowzero", 0) != 0),
        axis_(node.attr<int64_t>("axis", 1)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!in[0] || !in[0]->is_f32()) return false;
    return !reshape_ || (in.size() > 1 && in[1] && in[1]->plain.dtype() == ir::DType::I64);
  }

  std::vector<CpuValue> run(const std::vector<const CpuValue*>& in,
                            dnnl::stream& stream) const override {
    const ir::Tensor x = to_plain(*in[0], stream);
    const ir::Dims dims =
        reshape_ ? ref::reshape_dims(x.dims(), ir::to_int64_vector(in[1]->plain, "input 'shape'"), allow_zero_)
                 : ref::flatten_dims(x.dims(), axis_);
    note_kernel("view");
    return {wrap(x.reshaped(dims))};
  }

  bool output_aliases_input() const override { return true; }

 private:
  bool reshape_;
  bool allow_zero_;
  int64_t axis_;
};

}  // namespace

std::string supports_reshape(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node, 1);  // the shape input is int64
}

std::unique_ptr<CpuOp> build_reshape(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ReshapeOp>(*spec.node);
}

}  // namespace zenith::cpu
