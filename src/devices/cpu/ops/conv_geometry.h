// What oneDNN's convolution descriptors need of an ONNX Conv: the output dims, strides,
// dilations and pads, and the weights' grouped form. Conv and zenith.QConv share it.
#pragma once

#include "ir/graph.h"

namespace zenith::cpu {

struct ConvGeometry {
  ir::Dims kernel;  // spatial
  ir::Dims dst;     // [N, M, spatial...]
  ir::Dims strides;
  ir::Dims dilates;  // oneDNN's: the gaps between taps (ONNX's dilation - 1)
  ir::Dims pad_begin, pad_end;
};

// For X of `x` dims and W of `w` dims. Throws InvalidArgument if the channels do not fit the
// group count.
ConvGeometry conv_geometry(const ir::Node& node, const ir::Dims& x, const ir::Dims& w);

// W as oneDNN sees it: [group, M/group, C/group, k...] when grouped.
ir::Dims weight_dims(ir::Dims w, int64_t group);

}  // namespace zenith::cpu
