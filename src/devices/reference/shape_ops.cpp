// Dims and axis orders of Reshape, Flatten and Transpose (shape_ops.h).
#include "devices/reference/shape_ops.h"

#include "devices/reference/element_util.h"
#include "ir/errors.h"

namespace zenith::ref {

ir::Dims reshape_dims(const ir::Dims& in, const std::vector<int64_t>& shape, bool allow_zero) {
  ir::Dims out(shape.size());
  int64_t inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (d == 0 && !allow_zero) {
      if (i >= in.size())
        throw_invalid_argument("'shape'[{}] is 0 (copy the input dim) but the input {} has rank {}",
                               i, ir::to_string(in), in.size());
      d = in[i];
    } else if (d == -1) {
      if (inferred >= 0)
        throw_invalid_argument("'shape' {} has more than one -1", fmt::join(shape, ","));
      inferred = static_cast<int64_t>(i);
      continue;
    } else if (d < -1) {
      throw_invalid_argument("'shape'[{}] is {}; dims must be >= -1", i, d);
    }
    out[i] = d;
    if (__builtin_mul_overflow(known, d, &known))
      throw_invalid_argument("'shape' [{}] overflows int64", fmt::join(shape, ","));
  }
  const int64_t numel = ir::checked_numel(in, "Reshape input");
  if (inferred >= 0) {
    if (known == 0 || numel % known != 0)
      throw_invalid_argument(
          "cannot infer the -1 dim of 'shape' [{}] for an input {} of {} elements",
          fmt::join(shape, ","), ir::to_string(in), numel);
    out[static_cast<size_t>(inferred)] = numel / known;
  }
  if (ir::checked_numel(out, "Reshape output") != numel)
    throw_invalid_argument("'shape' [{}] gives {} of {} elements, but the input {} has {}",
                           fmt::join(shape, ","), ir::to_string(out), ir::checked_numel(out),
                           ir::to_string(in), numel);
  return out;
}

ir::Dims flatten_dims(const ir::Dims& in, int64_t axis) {
  const auto rank = static_cast<int64_t>(in.size());
  if (axis < -rank || axis > rank)
    throw_invalid_model("attribute 'axis'={} is out of range [{}, {}] for an input of rank {}",
                        axis, -rank, rank, rank);
  if (axis < 0) axis += rank;
  const AxisSplit s = split_at_axis(in, axis);
  return {s.outer, s.extent * s.inner};
}

std::vector<int64_t> transpose_perm(const ir::Node& node, int64_t rank) {
  std::vector<int64_t> perm;
  for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  perm = node.attr<std::vector<int64_t>>("perm", perm);
  if (static_cast<int64_t>(perm.size()) != rank)
    throw_invalid_model("attribute 'perm' has {} entries for an input of rank {}", perm.size(),
                        rank);
  std::vector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[static_cast<size_t>(p)])
      throw_invalid_model("attribute 'perm' [{}] is not a permutation of 0..{}",
                          fmt::join(perm, ","), rank - 1);
    seen[static_cast<size_t>(p)] = true;
  }
  return perm;
}

}  // namespace zenith::ref
