// The dims and axis orders of the ops that rearrange a tensor without computing (Reshape,
// Flatten, Transpose), with ONNX's rules and errors: REF and the CPU device share them, so both
// accept and reject the same models with the same messages.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace zenith::ref {

// Reshape's output dims for input dims `in` and its `shape` input (0 copies the input's dim
// unless `allow_zero`; one -1 is inferred). InvalidArgument when `shape` does not fit `in`.
ir::Dims reshape_dims(const ir::Dims& in, const std::vector<int64_t>& shape, bool allow_zero);

// Flatten's output dims [prod(in[:axis]), prod(in[axis:])]; `axis` < 0 counts from the end.
// InvalidModel when `axis` is outside [-rank, rank].
ir::Dims flatten_dims(const ir::Dims& in, int64_t axis);

// Transpose's permutation for an input of `rank`: `node`'s perm attribute, or the axes reversed.
// InvalidModel unless it is a permutation of [0, rank).
std::vector<int64_t> transpose_perm(const ir::Node& node, int64_t rank);

}  // namespace zenith::ref
