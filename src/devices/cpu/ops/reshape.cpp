// Reshape, Flatten, Squeeze and Unsqueeze on the CPU device, for every fixed-size dtype: the
// same bytes under new dims, as on REF, after a reorder to plain when the input is blocked. Run
// here, they keep their neighbours' tensors on the CPU side instead of sending them through
// REF's plain scope.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

class ReshapeOp : public CpuOp {
 public:
  explicit ReshapeOp(const ir::Node& node)
      : op_(node.op_type),
        allow_zero_(node.attr<int64_t>("allowzero", 0) != 0),
        axis_(node.attr<int64_t>("axis", 1)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!in[0] || !all_fixed_size(in)) return false;
    // Reshape's shape and Unsqueeze's axes are required inputs; REF reports their absence.
    return (op_ != "Reshape" && op_ != "Unsqueeze") || (in.size() > 1 && in[1]);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor x = to_plain(*in[0], stream);
    note_kernel("view");
    return {wrap_in_run(x.reshaped(dims(x.dims(), in, stream)))};
  }

  bool output_aliases_input() const override { return true; }

 private:
  ir::Dims dims(const ir::Dims& x, const std::vector<const CpuValue*>& in,
                dnnl::stream& stream) const {
    if (op_ == "Flatten") return ref::flatten_dims(x, axis_);
    if (op_ == "Reshape")
      return ref::reshape_dims(x, int_values(*in[1], "input 'shape'", stream), allow_zero_);
    if (op_ == "Unsqueeze")
      return ref::unsqueeze_dims(x, int_values(*in[1], "input 'axes'", stream));
    return ref::squeeze_dims(
        x, optional_int_values(in.size() > 1 ? in[1] : nullptr, "input 'axes'", stream));
  }

  std::string op_;
  bool allow_zero_;
  int64_t axis_;
};

}  // namespace

std::string supports_reshape(const ir::Graph& graph, const ir::Node& node) {
  return require_fixed_size(graph, node);
}

std::unique_ptr<CpuOp> build_reshape(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ReshapeOp>(*spec.node);
}

}  // namespace zenith::cpu
