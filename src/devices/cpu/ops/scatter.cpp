// ScatterElements on the CPU device: every index is checked first (REF's errors), then the
// updates land in a copy of `data`, or in `data` itself when nothing else reads it (the zeros
// Faster R-CNN's RoI pooler scatters its levels into). The indices are read in place.
//
// Updates that land on one element must land in REF's order (the last one wins; reductions
// combine in order). Two updates collide only if they differ along the axis alone, so threads
// split the positions off the axis, and each runs the positions along it in order.
#include <cstring>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/scatter_util.h"

namespace zenith::cpu {
namespace {

// Calls f(ir::TypeTag<T>{}) for the dtypes a reduction runs on here (others run on REF).
template <typename F>
bool visit_reducible(ir::DType dtype, const F& f) {
  switch (dtype) {
    case ir::DType::F32:
      f(ir::TypeTag<float>{});
      return true;
    case ir::DType::I64:
      f(ir::TypeTag<int64_t>{});
      return true;
    case ir::DType::I32:
      f(ir::TypeTag<int32_t>{});
      return true;
    default:
      return false;
  }
}

class ScatterElementsOp : public CpuOp {
 public:
  explicit ScatterElementsOp(const ir::Node& node)
      : reduction_(ref::scatter_reduction(node)), axis_(node.attr<int64_t>("axis", 0)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && is_index(in[1]) && in[2] && all_fixed_size(in) &&
           in[0]->dtype() == in[2]->dtype() &&
           (reduction_ == ref::Reduction::None || visit_reducible(in[0]->dtype(), [](auto) {}));
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor data = to_plain(*in[0], stream);
    const ir::Tensor indices = to_plain(*in[1], stream);
    const ir::Tensor updates = to_plain(*in[2], stream);
    const int64_t axis =
        ref::scatter_elements_axis(data.dims(), indices.dims(), updates.dims(), axis_);
    const auto a = static_cast<size_t>(axis);
    // Element (.., k, ..) of updates, k on the axis, lands at the same position of y but for the
    // axis, where it takes its index. The loop runs over the positions off the axis; y's axis
    // stride is added per index.
    StridedLoop<2> loop{indices.dims(),
                        {ir::strides_of(data.dims()), ir::strides_of(indices.dims())}};
    const int64_t y_axis_stride = loop.strides[0][a], axis_stride = loop.strides[1][a];
    const int64_t positions = loop.dims[a];
    loop.dims[a] = 1;
    note_kernel("zenith:scatter_elements");
    CpuValue y;
    with_checked_indices(indices, data.dims()[a], [&](auto at) {
      y = in[0]->donated && in[0]->plain.defined() ? *in[0] : copy_of(data);
      y.donated = false;
      land(loop, positions, y_axis_stride, axis_stride, at, updates.raw(), y.plain.raw(),
           data.dtype());
    });
    return {std::move(y)};
  }

 private:
  static CpuValue copy_of(const ir::Tensor& data) {
    CpuValue y = allocate_plain(data.dtype(), data.dims());
    std::memcpy(y.plain.raw(), data.raw(), data.size_bytes());
    return y;
  }

  // `loop` covers the positions off the axis; position k along it reads updates and indices
  // k * axis_stride further on.
  template <typename At>
  void land(const StridedLoop<2>& loop, int64_t positions, int64_t y_axis_stride,
            int64_t axis_stride, const At& at, const std::byte* from, std::byte* out,
            ir::DType dtype) const {
    const auto typed = [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* u = reinterpret_cast<const T*>(from);
      T* y = reinterpret_cast<T*>(out);
      const ref::Reduction reduction = reduction_;
      const auto row = [&](const std::array<int64_t, 2>& off, int64_t n,
                           const std::array<int64_t, 2>& inner) {
        for (int64_t k = 0; k < positions; ++k)
          for (int64_t i = 0, j = off[1] + k * axis_stride; i < n; ++i, j += inner[1]) {
            T& dst = y[off[0] + i * inner[0] + at(j) * y_axis_stride];
            dst = reduction == ref::Reduction::None ? u[j] : ref::combined(dst, u[j], reduction);
          }
      };
      for_each_row(loop, row, positions);
    };
    if (reduction_ == ref::Reduction::None)
      visit_element_size(ir::dtype_size(dtype), typed);
    else
      visit_reducible(dtype, typed);
  }

  ref::Reduction reduction_;
  int64_t axis_;
};

}  // namespace

std::string supports_scatter(const ir::Graph& graph, const ir::Node& node) {
  try {
    ref::scatter_reduction(node);
  } catch (const Error& e) {
    return e.what();
  }
  return require_fixed_size(graph, node);
}

std::unique_ptr<CpuOp> build_scatter(const ir::Graph&, const StepSpec& spec) {
  return std::make_unique<ScatterElementsOp>(*spec.node);
}

}  // namespace zenith::cpu
