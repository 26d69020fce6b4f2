// Gather and GatherElements on the CPU device, for every fixed-size dtype: every index is
// checked first (REF's errors), then rows are copied in parallel. An embedding lookup (a
// constant table gathered along axis 0) is one memcpy per index.
#include <cstring>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/element_util.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

class GatherOp : public CpuOp {
 public:
  explicit GatherOp(const ir::Node& node)
      : elements_(node.op_type == "GatherElements"), axis_(node.attr<int64_t>("axis", 0)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && is_index(in[1]) && all_fixed_size(in);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor data = to_plain(*in[0], stream);
    const ir::Tensor indices = to_plain(*in[1], stream);
    return {elements_ ? gather_elements(data, indices) : gather(data, indices)};
  }

 private:
  CpuValue gather(const ir::Tensor& data, const ir::Tensor& indices) const {
    const int64_t axis = ref::gather_axis(data.dims(), axis_);
    const ref::AxisSplit s = ref::split_at_axis(data.dims(), axis);
    CpuValue y = allocate_plain(data.dtype(), ref::gather_dims(data.dims(), indices.dims(), axis));
    const int64_t count = indices.numel();
    const int64_t rows = s.outer * count;
    const size_t elem = ir::dtype_size(data.dtype());
    const std::byte* src = data.raw();
    std::byte* dst = y.plain.raw();
    note_kernel("zenith:gather");
    with_checked_indices(indices, s.extent, [&](auto at) {
      if (s.inner > 1) {
        const size_t row_bytes = static_cast<size_t>(s.inner) * elem;
        parallel_for(rows, rows * s.inner >= kParallelElements, [&](int64_t r) {
          const int64_t o = r / count, j = r % count;
          std::memcpy(dst + static_cast<size_t>(r) * row_bytes,
                      src + static_cast<size_t>(o * s.extent + at(j)) * row_bytes, row_bytes);
        });
        return;
      }
      visit_element_size(elem, [&](auto tag) {  // single elements: a loop per outer index
        using T = typename decltype(tag)::type;
        const T* from = reinterpret_cast<const T*>(src);
        T* to = reinterpret_cast<T*>(dst);
        parallel_for(s.outer, rows >= kParallelElements, [&](int64_t o) {
          for (int64_t j = 0; j < count; ++j) to[o * count + j] = from[o * s.extent + at(j)];
        });
      });
    });
    return y;
  }

  // Output element i (index tuple (.., k, ..) with k on the axis) reads data at the same tuple
  // but for the axis, where it takes indices[i]: a strided loop over the indices' dims, data's
  // axis stride 0, plus the index times that stride.
  CpuValue gather_elements(const ir::Tensor& data, const ir::Tensor& indices) const {
    const int64_t axis = ref::gather_elements_axis(data.dims(), indices.dims(), axis_);
    CpuValue y = allocate_plain(data.dtype(), indices.dims());
    StridedLoop<3> loop{indices.dims(),
                        {ir::strides_of(indices.dims()), ir::strides_of(indices.dims()),
                         ir::strides_of(data.dims())}};
    const int64_t axis_stride = loop.strides[2][static_cast<size_t>(axis)];
    loop.strides[2][static_cast<size_t>(axis)] = 0;
    note_kernel("zenith:gather_elements");
    with_checked_indices(indices, data.dims()[static_cast<size_t>(axis)], [&](auto at) {
      visit_element_size(ir::dtype_size(data.dtype()), [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* from = reinterpret_cast<const T*>(data.raw());
        T* to = reinterpret_cast<T*>(y.plain.raw());
        for_each_row(loop, [&](const std::array<int64_t, 3>& off, int64_t n,
                               const std::array<int64_t, 3>& inner) {
          for (int64_t i = 0; i < n; ++i)
            to[off[0] + i * inner[0]] =
                from[off[2] + i * inner[2] + at(off[1] + i * inner[1]) * axis_stride];
        });
      });
    });
    return y;
  }

  bool elements_;
  int64_t axis_;
};

}  // namespace

std::string supports_gather(const ir::Graph& graph, const ir::Node& node) {
  return require_fixed_size(graph, node);
}

std::unique_ptr<CpuOp> build_gather(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<GatherOp>(*spec.node);
}

}  // namespace zenith::cpu
