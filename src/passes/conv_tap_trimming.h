// Kernel taps that only ever read padding, cut from a convolution's weights.
//
// DeepLab's atrous spatial pyramid runs 3x3 convolutions with dilations 12, 24 and 36 on a 14x14
// map: every tap but the centre of the last two lands in the zero padding for every output pixel,
// yet each ran as a full 3x3 convolution (15.5 ms each at batch 1, 70% of the model's time on an
// AVX2 host). Without those taps they are 1x1 convolutions.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// For each Conv with constant weights whose input's spatial dims are known (the graph is
// compiled for concrete input shapes): along each spatial axis, the leading and trailing kernel
// taps that read only padding, for every output position, are cut from the weights and from the
// padding, which leaves the output's size and values as they were. An axis left with one tap
// gets dilation 1. The weights become a new initializer; the old one goes when nothing else
// reads it. Returns {"Conv": convolutions trimmed}.
ChangeCounts trim_conv_taps(ir::Graph& graph);

}  // namespace zenith::passes
