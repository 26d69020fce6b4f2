// The dims and axis orders of the ops that rearrange a tensor without computing (Reshape,
// Flatten, Transpose, Squeeze, Gather, Slice, Concat, Pad, Resize, ...), with ONNX's rules and
// errors: REF and the CPU device share them, so both accept and reject the same models with the
// same messages.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ir/errors.h"
#include "ir/graph.h"

namespace zenith::ref {

// Reshape's output dims for input dims `in` and its `shape` input (0 copies the input's dim
// unless `allow_zero`; one -1 is inferred). InvalidArgument when `shape` does not fit `in`.
ir::Dims reshape_dims(const ir::Dims& in, const ir::Dims& shape, bool allow_zero);

// Flatten's output dims [prod(in[:axis]), prod(in[axis:])]; `axis` < 0 counts from the end.
// InvalidModel when `axis` is outside [-rank, rank].
ir::Dims flatten_dims(const ir::Dims& in, int64_t axis);

// Transpose's permutation for an input of `rank`: `node`'s perm attribute, or the axes reversed.
// InvalidModel unless it is a permutation of [0, rank).
ir::Dims transpose_perm(const ir::Node& node, int64_t rank);

// Shape's output: the dims of `in` from attribute start to end (opset 15: negative values count
// from the end, both clamp to [0, rank]).
ir::Dims shape_values(const ir::Node& node, const ir::Dims& in);

// ConstantOfShape: the fill value (attribute 'value', one element; f32 0 when absent) and the
// output dims (input `shape`, non-negative).
ir::Tensor constant_of_shape_value(const ir::Node& node);
ir::Dims constant_of_shape_dims(const ir::Dims& shape);

// Squeeze's output dims: `axes` (each of size 1) removed, or every size-1 axis when absent.
ir::Dims squeeze_dims(const ir::Dims& in, const std::optional<ir::Dims>& axes);
// Unsqueeze's output dims: size-1 axes inserted at `axes` (positions in the output).
ir::Dims unsqueeze_dims(const ir::Dims& in, const ir::Dims& axes);

// Gather's `axis` attribute normalized for `data`; InvalidArgument for a scalar `data`.
int64_t gather_axis(const ir::Dims& data, int64_t axis);
// Gather's output dims: data[:axis] + indices + data[axis+1:]. REQUIRES: axis from gather_axis.
ir::Dims gather_dims(const ir::Dims& data, const ir::Dims& indices, int64_t axis);

// GatherElements' `axis` attribute normalized; InvalidArgument unless `data` and `indices` have
// one rank >= 1 and `indices` is no larger than `data` off the axis.
int64_t gather_elements_axis(const ir::Dims& data, const ir::Dims& indices, int64_t axis);

// Slice's window: per input axis, the first index read, the step and the output extent (axes
// not listed keep everything). `axes` and `steps` default to 0.. and 1 when absent.
struct SliceWindow {
  ir::Dims first;
  ir::Dims step;
  ir::Dims out;
};
SliceWindow slice_window(const ir::Dims& in, const ir::Dims& starts, const ir::Dims& ends,
                         const std::optional<ir::Dims>& axes, const std::optional<ir::Dims>& steps);

// Split's `axis` attribute normalized for `in`, and the sizes of its `count` parts: `given` (the
// 'split' input) checked, or equal parts with a smaller last one.
int64_t split_axis(const ir::Dims& in, int64_t axis);
ir::Dims split_sizes(const ir::Dims& in, int64_t axis, int64_t count,
                     const std::optional<ir::Dims>& given);

// Concat's normalized axis and output dims for `count` inputs, input i having dtype_of(i) and
// dims_of(i) (called in place, so that the CPU device's runs build no lists); every input must
// have input 0's dtype, rank and dims off the axis.
struct ConcatShape {
  int64_t axis;
  ir::Dims out;
};
template <class DTypeOf, class DimsOf>
ConcatShape concat_shape(size_t count, DTypeOf dtype_of, DimsOf dims_of, int64_t axis) {
  const ir::Dims first = dims_of(size_t{0});
  const ir::DType dtype = dtype_of(size_t{0});
  if (first.empty()) throw_invalid_argument("cannot concatenate scalars (rank-0 inputs)");
  const auto rank = static_cast<int64_t>(first.size());
  ConcatShape shape{ir::normalize_axis(axis, rank, "attribute 'axis'"), first};
  const auto a = static_cast<size_t>(shape.axis);
  shape.out[a] = 0;
  for (size_t i = 0; i < count; ++i) {
    const ir::Dims x = dims_of(i);
    bool ok = dtype_of(i) == dtype && x.size() == first.size();
    for (size_t d = 0; ok && d < x.size(); ++d) ok = d == a || x[d] == first[d];
    if (!ok)
      throw_invalid_argument("input {} is {}{}, incompatible with input 0 {}{} for axis {}", i,
                             ir::dtype_name(dtype_of(i)), ir::to_string(x), ir::dtype_name(dtype),
                             ir::to_string(first), shape.axis);
    shape.out[a] += x[a];
  }
  return shape;
}

// Expand's output dims: `in` broadcast with the non-negative `shape`.
ir::Dims expand_dims(const ir::Dims& in, const ir::Dims& shape);
// Tile's output dims: each axis times its non-negative entry of `repeats`.
ir::Dims tile_dims(const ir::Dims& in, const ir::Dims& repeats);

// Pad: the mode attribute, and per axis the padding before it (negative crops) and the output
// dims. `axes` defaults to every axis.
enum class PadMode { Constant, Reflect, Edge, Wrap };
PadMode pad_mode(const ir::Node& node);
struct PadWindow {
  ir::Dims begin;
  ir::Dims out;
};
PadWindow pad_window(const ir::Dims& in, const ir::Dims& pads, const std::optional<ir::Dims>& axes,
                     PadMode mode);

// The input coordinate that coordinate `c`, outside [0, dim), of a padded axis reads in `mode`
// (edge, reflect or wrap). REQUIRES: dim > 0.
int64_t pad_fold(int64_t c, int64_t dim, PadMode mode);

// Resize (opset 13): every axis' scale factor and the output dims, from whichever of `scales`
// and `sizes` is given (nullptr or empty when not).
struct ResizeShape {
  std::vector<double> scales;
  ir::Dims out;
};
ResizeShape resize_shape(const ir::Dims& in, const ir::Tensor* scales, const ir::Tensor* sizes);

}  // namespace zenith::ref
