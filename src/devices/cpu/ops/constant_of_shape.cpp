// ConstantOfShape on the CPU device: a parallel fill of a plain tensor of any fixed-size dtype
// (the zeros_like / ones masks exported models build at run time).
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

class ConstantOfShapeOp : public CpuOp {
 public:
  explicit ConstantOfShapeOp(ir::Tensor value) : value_(std::move(value)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override { return in[0] != nullptr; }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Dims dims =
        ref::constant_of_shape_dims(int_values(*in[0], "input 'input' (the shape)", stream));
    CpuValue y = allocate_plain(value_.dtype(), dims);
    note_kernel("zenith:fill");
    fill_elements(y.plain.raw(), ir::dtype_size(value_.dtype()), dims, value_.raw());
    return {std::move(y)};
  }

 private:
  ir::Tensor value_;
};

}  // namespace

std::string supports_constant_of_shape(const ir::Graph& graph, const ir::Node& node) {
  try {
    if (ref::constant_of_shape_value(node).dtype() == ir::DType::String)
      return "attribute 'value' is a string; the CPU device fills fixed-size elements";
  } catch (const Error& e) {
    return e.what();  // REF reports it when the node runs
  }
  return "";
}

std::unique_ptr<CpuOp> build_constant_of_shape(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ConstantOfShapeOp>(ref::constant_of_shape_value(*spec.node));
}

}  // namespace zenith::cpu
