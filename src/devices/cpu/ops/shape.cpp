// Shape on the CPU device: the dims of a value in any layout, as i64. Run here, it reads a
// blocked tensor's dims from its descriptor; on REF it would reorder the whole tensor to plain
// first.
#include <algorithm>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

class ShapeOp : public CpuOp {
 public:
  explicit ShapeOp(const ir::Node& node) : node_(node) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && all_fixed_size(in);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream&) const override {
    const std::vector<int64_t> dims = ref::shape_values(node_, in[0]->dims());
    CpuValue y = allocate_plain(ir::DType::I64, {static_cast<int64_t>(dims.size())});
    std::copy(dims.begin(), dims.end(), y.plain.data<int64_t>());
    note_kernel("zenith:shape");
    return {std::move(y)};
  }

 private:
  const ir::Node& node_;
};

}  // namespace

std::string supports_shape(const ir::Graph& graph, const ir::Node& node) {
  return require_fixed_size(graph, node);
}

std::unique_ptr<CpuOp> build_shape(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ShapeOp>(*spec.node);
}

}  // namespace zenith::cpu
