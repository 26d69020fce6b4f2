// Slice and Split on the CPU device, for every fixed-size dtype: strided copies of a window of
// the input (contiguous runs are one memcpy each), with REF's window arithmetic and errors.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

// Copies the window of `x` that starts at element `first` and steps `strides` (elements) along
// each axis into a fresh plain tensor of `dims`.
CpuValue copy_window(const ir::Tensor& x, int64_t first, const ir::Dims& strides,
                     const ir::Dims& dims) {
  CpuValue y = allocate_plain(x.dtype(), dims);
  const size_t elem = ir::dtype_size(x.dtype());
  copy_strided(x.raw() + static_cast<size_t>(first) * elem, y.plain.raw(), elem,
               {dims, {ir::strides_of(dims), strides}});
  return y;
}

class SliceOp : public CpuOp {
 public:
  explicit SliceOp(const StepSpec& spec)
      : split_(spec.node->op_type == "Split"),
        axis_(spec.node->attr<int64_t>("axis", 0)),
        outputs_(spec.outputs.size()) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && all_fixed_size(in) && (split_ || (in.size() > 2 && in[1] && in[2]));
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor x = to_plain(*in[0], stream);
    auto optional = [&](size_t i, std::string_view what) {
      return optional_int_values(i < in.size() ? in[i] : nullptr, what, stream);
    };
    note_kernel(split_ ? "zenith:split" : "zenith:slice");
    if (split_) return split(x, optional(1, "input 'split'"));
    const ref::SliceWindow w =
        ref::slice_window(x.dims(), int_values(*in[1], "input 'starts'", stream),
                          int_values(*in[2], "input 'ends'", stream), optional(3, "input 'axes'"),
                          optional(4, "input 'steps'"));
    ir::Dims strides = ir::strides_of(x.dims());
    int64_t first = 0;
    for (size_t a = 0; a < strides.size(); ++a) {
      first += w.first[a] * strides[a];
      strides[a] *= w.step[a];
    }
    return {copy_window(x, first, strides, w.out)};
  }

 private:
  StepOutputs split(const ir::Tensor& x, const std::optional<std::vector<int64_t>>& given) const {
    const int64_t axis = ref::split_axis(x.dims(), axis_);
    const std::vector<int64_t> sizes =
        ref::split_sizes(x.dims(), axis, static_cast<int64_t>(outputs_), given);
    const ir::Dims strides = ir::strides_of(x.dims());
    StepOutputs out;
    int64_t offset = 0;
    for (int64_t size : sizes) {
      ir::Dims dims = x.dims();
      dims[static_cast<size_t>(axis)] = size;
      out.push_back(copy_window(x, offset * strides[static_cast<size_t>(axis)], strides, dims));
      offset += size;
    }
    return out;
  }

  bool split_;
  int64_t axis_;
  size_t outputs_;  // Split's parts, unnamed ones included (computed, never stored)
};

}  // namespace

std::string supports_slice(const ir::Graph& graph, const ir::Node& node) {
  return require_fixed_size(graph, node, 1);
}

std::unique_ptr<CpuOp> build_slice(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<SliceOp>(spec);
}

}  // namespace zenith::cpu
