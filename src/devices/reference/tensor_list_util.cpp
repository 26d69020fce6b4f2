// Axis slicing and joining for the REF control-flow and sequence kernels.
#include "devices/reference/tensor_list_util.h"

#include <optional>

#include "devices/reference/element_util.h"
#include "ir/errors.h"

namespace zenith::ref {

ir::Tensor slice_axis(const ir::Tensor& t, int64_t axis, int64_t start, int64_t length) {
  ZENITH_ASSERT(axis >= 0 && axis < t.rank() && start >= 0 && length >= 0 &&
                start + length <= t.dims()[static_cast<size_t>(axis)]);
  ir::Dims dims = t.dims();
  dims[static_cast<size_t>(axis)] = length;
  ir::Tensor out(t.dtype(), dims);
  const AxisSplit in = split_at_axis(t.dims(), axis);
  const ElementCopier copy(t, out);
  for (int64_t o = 0; o < in.outer; ++o)
    copy.copy((o * in.extent + start) * in.inner, o * length * in.inner, length * in.inner);
  return out;
}

ir::Tensor join_along_axis(const std::vector<ir::Tensor>& parts, int64_t axis, bool new_axis,
                           std::string_view what) {
  ZENITH_ASSERT(!parts.empty());
  const ir::Tensor& first = parts.front();
  ZENITH_ASSERT(axis >= 0 && axis < first.rank() + (new_axis ? 1 : 0));
  ir::Dims out_dims = first.dims();
  if (new_axis)
    out_dims.insert(out_dims.begin() + axis, 0);
  else
    out_dims[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const ir::Tensor& p = parts[i];
    bool ok = p.dtype() == first.dtype() && p.rank() == first.rank();
    for (int64_t d = 0; ok && d < p.rank(); ++d)
      ok = (!new_axis && d == axis) ||
           p.dims()[static_cast<size_t>(d)] == first.dims()[static_cast<size_t>(d)];
    if (!ok)
      throw_invalid_argument(
          "{}: tensor {} is {}{}, incompatible with tensor 0 {}{} for {} "
          "along axis {}",
          what, i, ir::dtype_name(p.dtype()), ir::to_string(p.dims()),
          ir::dtype_name(first.dtype()), ir::to_string(first.dims()),
          new_axis ? "stacking" : "concatenation", axis);
    out_dims[static_cast<size_t>(axis)] += new_axis ? 1 : p.dims()[static_cast<size_t>(axis)];
  }
  ir::checked_numel(out_dims, what);
  ir::Tensor out(first.dtype(), out_dims);
  const AxisSplit split = split_at_axis(out_dims, axis);
  int64_t offset = 0;  // where the current part starts along the axis
  for (const ir::Tensor& p : parts) {
    const int64_t extent = new_axis ? 1 : p.dims()[static_cast<size_t>(axis)];
    const ElementCopier copy(p, out);
    for (int64_t o = 0; o < split.outer; ++o)
      copy.copy(o * extent * split.inner, (o * split.extent + offset) * split.inner,
                extent * split.inner);
    offset += extent;
  }
  return out;
}

ir::Tensor stack_iterations(const std::vector<ir::Tensor>& parts, int64_t axis,
                            const ir::ValueInfo& declared, std::string_view what) {
  if (!parts.empty()) {
    axis = ir::normalize_axis(axis, parts.front().rank() + 1, what);
    return join_along_axis(parts, axis, true, what);
  }
  const ir::TypeInfo& type = declared.type;
  std::optional<ir::Dims> dims;
  if (type.kind == ir::TypeInfo::Kind::Tensor && type.shape) dims = ir::to_dims(*type.shape);
  if (!dims && (axis == 0 || axis == -1)) dims = ir::Dims{};  // rank unknown: take it as 1-D
  if (type.kind != ir::TypeInfo::Kind::Tensor || type.dtype == ir::DType::Undefined || !dims)
    throw_invalid_model(
        "{} ('{}') of a body that ran zero times has no fully declared tensor "
        "type, so its empty result cannot be built",
        what, declared.name);
  axis = ir::normalize_axis(axis, static_cast<int64_t>(dims->size()) + 1, what);
  dims->insert(dims->begin() + axis, 0);
  return ir::Tensor(type.dtype, *dims);
}

}  // namespace zenith::ref
