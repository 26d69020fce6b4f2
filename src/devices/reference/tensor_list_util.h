// Cutting a tensor into slices along one axis and joining tensors back along one: what Scan,
// Loop's scan outputs, SplitToSequence and ConcatFromSequence have in common.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/tensor.h"

namespace zenith::ref {

// Elements [start, start + length) of `t` along `axis` (already normalized), as a new tensor
// that keeps the axis (with size `length`). REQUIRES: the range lies inside the axis.
ir::Tensor slice_axis(const ir::Tensor& t, int64_t axis, int64_t start, int64_t length);

// Concatenates `parts` along `axis`, or stacks them along a new axis inserted at `axis` when
// `new_axis` is set. `axis` must already be normalized (against rank + 1 when stacking). Throws
// InvalidArgument naming `what` when the parts disagree in dtype or in dims off the axis.
// REQUIRES: parts is not empty.
ir::Tensor join_along_axis(const std::vector<ir::Tensor>& parts, int64_t axis, bool new_axis,
                           std::string_view what);

// Stacks the per-iteration outputs `parts` of a Loop or Scan body along a new axis `axis`
// (negative counts from the end of the stacked rank). With no parts (zero iterations) the result
// is empty along that axis and takes its dtype and other dims from `declared`, the body's output.
ir::Tensor stack_iterations(const std::vector<ir::Tensor>& parts, int64_t axis,
                            const ir::ValueInfo& declared, std::string_view what);

}  // namespace zenith::ref
