// Dims/Shape printing, element counts with overflow checks, axes and broadcasting.
#include "ir/shape.h"

#include <fmt/format.h>

#include <algorithm>

#include "ir/errors.h"

namespace zenith::ir {

std::string to_string(const Dims& dims) { return fmt::format("[{}]", fmt::join(dims, ",")); }

std::string to_string(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ",";
    if (shape[i].is_known())
      out += std::to_string(shape[i].value);
    else
      out += shape[i].symbol.empty() ? "?" : shape[i].symbol;
  }
  return out + "]";
}

Shape to_shape(const Dims& dims) { return Shape(dims.begin(), dims.end()); }

std::optional<Dims> to_dims(const Shape& shape) {
  Dims dims;
  for (const Dim& d : shape) {
    if (!d.is_known()) return std::nullopt;
    dims.push_back(d.value);
  }
  return dims;
}

int64_t checked_numel(const Dims& dims, std::string_view what) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) throw_invalid_argument("{} has a negative dimension in shape {}", what, to_string(dims));
    if (d != 0 && n > INT64_MAX / d)
      throw_invalid_argument("{} with shape {} has more elements than fit in 64 bits", what,
                             to_string(dims));
    n *= d;
  }
  // A zero dimension makes the product zero even if earlier ones were huge.
  if (std::find(dims.begin(), dims.end(), 0) != dims.end()) return 0;
  return n;
}

Dims strides_of(const Dims& dims) {
  Dims strides(dims.size(), 1);
  for (int64_t i = static_cast<int64_t>(dims.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * dims[i + 1];
  return strides;
}

int64_t normalize_axis(int64_t axis, int64_t rank, std::string_view what) {
  if (axis < -rank || axis >= rank)
    throw_invalid_argument("{} {} is out of range for rank {} (expected [{}, {}])", what, axis,
                           rank, -rank, rank - 1);
  return axis < 0 ? axis + rank : axis;
}

Dims broadcast_dims(const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      throw_invalid_argument("shapes {} and {} cannot be broadcast together", to_string(a),
                             to_string(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace zenith::ir
