// Resize's interpolation (opset 13) as per-axis taps: for each output coordinate of an axis, the
// input positions it reads and their weights, with the coordinate transforms, nearest modes and
// cubic coefficients of the ONNX reference implementation. REF's kernel and the CPU device's
// loop both sum over the taps, so they interpolate alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "devices/reference/shape_ops.h"
#include "ir/graph.h"

namespace zenith::ref {

struct ResizeOptions {
  std::string mode;       // nearest, linear, cubic
  std::string transform;  // coordinate_transformation_mode
  std::string nearest_mode;
  double cubic_a;
  bool exclude_outside;
};

// The node's attributes; InvalidModel for a mode Resize does not define.
ResizeOptions resize_options(const ir::Node& node);

// One input position an output coordinate reads, and its weight.
struct Tap {
  int64_t index;
  double weight;
};

// Per output coordinate of one axis: its taps, or none when it lies outside the crop window of
// tf_crop_and_resize (the output is then extrapolation_value).
using AxisTaps = std::vector<std::vector<Tap>>;

// Every axis' taps for an input of dims `in` resized to `shape`; `roi` is the optional input
// tf_crop_and_resize reads (InvalidArgument if that transform lacks it).
std::vector<AxisTaps> resize_taps(const ResizeOptions& o, const ir::Dims& in,
                                  const ResizeShape& shape, const ir::Tensor* roi);

}  // namespace zenith::ref
