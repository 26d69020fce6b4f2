// What REF's and the CPU device's ScatterElements / ScatterND share: the reduction attribute
// and how an update combines with the element it lands on.
#pragma once

#include <algorithm>
#include <string>

#include "devices/reference/shape_ops.h"
#include "ir/errors.h"
#include "ir/graph.h"

namespace zenith::ref {

enum class Reduction { None, Add, Mul, Max, Min };

// The node's `reduction` attribute; InvalidModel for one the ops do not define.
inline Reduction scatter_reduction(const ir::Node& node) {
  const std::string r = node.attr<std::string>("reduction", "none");
  if (r == "none") return Reduction::None;
  if (r == "add") return Reduction::Add;
  if (r == "mul") return Reduction::Mul;
  if (r == "max") return Reduction::Max;
  if (r == "min") return Reduction::Min;
  throw_invalid_model("attribute 'reduction' is '{}', expected none, add, mul, max or min", r);
}

// InvalidArgument unless `updates` has data's dtype.
inline void check_updates_dtype(ir::DType data, ir::DType updates) {
  if (updates != data)
    throw_invalid_argument("input 'updates' is {}, but 'data' is {}", ir::dtype_name(updates),
                           ir::dtype_name(data));
}

// ScatterElements' `axis` attribute normalized; InvalidArgument unless `updates` has the dims of
// `indices`, which has data's rank (>= 1) and is no larger than `data` off the axis.
inline int64_t scatter_elements_axis(const ir::Dims& data, const ir::Dims& indices,
                                     const ir::Dims& updates, int64_t axis) {
  if (updates != indices)
    throw_invalid_argument("input 'updates' {} must have the dims of input 'indices' {}",
                           ir::to_string(updates), ir::to_string(indices));
  return gather_elements_axis(data, indices, axis);
}

// The element `old` becomes when `update` lands on it.
template <typename C>
C combined(C old, C update, Reduction reduction) {
  switch (reduction) {
    case Reduction::Add:
      return C(old + update);
    case Reduction::Mul:
      return C(old * update);
    case Reduction::Max:
      return std::max(old, update);
    case Reduction::Min:
      return std::min(old, update);
    default:
      return update;
  }
}

}  // namespace zenith::ref
