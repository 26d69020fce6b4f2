// Helpers shared by the REF data-movement kernels: dtype-agnostic element copies, row-major index
// arithmetic, axis handling and reading small integer inputs.
#pragma once

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "devices/reference/kernel_context.h"
#include "ir/errors.h"
#include "ir/tensor.h"

namespace zenith::ref {

// Copies elements between two tensors of one dtype. Numeric elements move as raw bytes; String
// elements are std::string objects whose bytes must never be copied, so they are assigned.
class ElementCopier {
 public:
  ElementCopier(const ir::Tensor& src, ir::Tensor& dst)
      : src_(src.raw()),
        dst_(dst.raw()),
        size_(ir::dtype_size(src.dtype())),
        is_string_(src.dtype() == ir::DType::String) {
    ZENITH_ASSERT(src.dtype() == dst.dtype());
  }

  // dst[dst_index] = src[src_index].
  void operator()(int64_t src_index, int64_t dst_index) const { copy(src_index, dst_index, 1); }

  // dst[dst_index + k] = src[src_index + k] for k in [0, count).
  void copy(int64_t src_index, int64_t dst_index, int64_t count) const {
    if (count <= 0) return;
    if (is_string_) {
      const auto* s = reinterpret_cast<const std::string*>(src_) + src_index;
      auto* d = reinterpret_cast<std::string*>(dst_) + dst_index;
      for (int64_t k = 0; k < count; ++k) d[k] = s[k];
    } else {
      std::memcpy(dst_ + static_cast<size_t>(dst_index) * size_,
                  src_ + static_cast<size_t>(src_index) * size_,
                  static_cast<size_t>(count) * size_);
    }
  }

 private:
  const std::byte* src_;
  std::byte* dst_;
  size_t size_;
  bool is_string_;
};

// Advances a row-major multi-index over `dims`; returns false once it wraps past the last one.
inline bool next_index(ir::Dims& index, const ir::Dims& dims) {
  for (size_t axis = dims.size(); axis-- > 0;) {
    if (++index[axis] < dims[axis]) return true;
    index[axis] = 0;
  }
  return false;
}

inline ir::Dims unravel_index(int64_t linear, const ir::Dims& dims) {
  ir::Dims index(dims.size(), 0);
  for (size_t axis = dims.size(); axis-- > 0;) {
    if (dims[axis] == 0) continue;
    index[axis] = linear % dims[axis];
    linear /= dims[axis];
  }
  return index;
}

inline int64_t dot(const ir::Dims& index, const ir::Dims& strides) {
  int64_t offset = 0;
  for (size_t i = 0; i < index.size(); ++i) offset += index[i] * strides[i];
  return offset;
}

// A tensor seen as [outer, extent, inner] around one axis: element (o, k, i) is at
// (o * extent + k) * inner + i.
struct AxisSplit {
  int64_t outer = 1;
  int64_t extent = 1;
  int64_t inner = 1;
};

inline AxisSplit split_at_axis(const ir::Dims& dims, int64_t axis) {
  AxisSplit s;
  for (int64_t i = 0; i < static_cast<int64_t>(dims.size()); ++i) {
    const int64_t d = dims[static_cast<size_t>(i)];
    if (i < axis)
      s.outer *= d;
    else if (i == axis)
      s.extent = d;
    else
      s.inner *= d;
  }
  return s;
}

// Normalizes each axis against `rank` and rejects duplicates; `what` names the attribute/input.
inline ir::Dims normalize_axes(ir::Dims axes, int64_t rank, std::string_view what) {
  ir::Dims seen(static_cast<size_t>(rank), 0);  // allocates nothing up to rank 8: CPU runs call it
  for (int64_t& axis : axes) {
    axis = ir::normalize_axis(axis, rank, what);
    if (seen[static_cast<size_t>(axis)])
      throw_invalid_argument("{} lists axis {} more than once", what, axis);
    seen[static_cast<size_t>(axis)] = 1;
  }
  return axes;
}

// The values of 1-D integer input i, or nullopt when the optional input is absent.
inline std::optional<std::vector<int64_t>> optional_ints(const KernelContext& ctx, size_t i,
                                                         std::string_view what) {
  if (!ctx.has_input(i)) return std::nullopt;
  return ir::to_int64_vector(ctx.input(i), what);
}

// The single integer held by a scalar or one-element tensor.
inline int64_t scalar_int(const ir::Tensor& t, std::string_view what) {
  if (t.numel() != 1 || !ir::is_integer(t.dtype()))
    throw_invalid_argument("{} must be a single integer, got {} tensor of shape {}", what,
                           ir::dtype_name(t.dtype()), ir::to_string(t.dims()));
  return t.as_int64(0);
}

// All elements of an i32 / i64 index tensor of any rank, widened to i64.
inline std::vector<int64_t> index_values(const ir::Tensor& t, std::string_view what) {
  if (t.dtype() != ir::DType::I64 && t.dtype() != ir::DType::I32)
    throw_invalid_argument("{} must be i32 or i64, got {}", what, ir::dtype_name(t.dtype()));
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) out[static_cast<size_t>(i)] = t.as_int64(i);
  return out;
}

// An index into an axis of `extent` elements, negative counting from the end; throws
// InvalidArgument naming `what` when it falls outside [-extent, extent).
inline int64_t checked_index(int64_t index, int64_t extent, std::string_view what) {
  if (index < -extent || index >= extent)
    throw_invalid_argument("{} holds index {}, out of range [{}, {}]", what, index, -extent,
                           extent - 1);
  return index < 0 ? index + extent : index;
}

// A strict weak order that ranks NaN above every number (as numpy's sort does), so a NaN input
// cannot break a sort's preconditions. Works for every element type, strings included.
template <typename T>
bool nan_last_less(const T& a, const T& b) {
  if (a != a) return false;
  if (b != b) return true;
  return a < b;
}

}  // namespace zenith::ref
