// Kernel taps that only ever read padding, cut from a convolution's weights.
//
// DeepLab's atrous spatial pyramid runs 3x3 convolutions with dilations 12, 24 and 36 on a 14x14
// map: every tap but the centre of the last two lands in the zero padding for every output pixel,
// and the outer taps of the first read the map only at 2 of the 14 rows and columns. Each ran as
// a full 3x3 convolution (15.5 ms each at batch 1, 70% of the model's time on an AVX2 host).
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// For each Conv with constant weights whose input's spatial dims are known (the graph is
// compiled for concrete input shapes), the output positions of each spatial axis fall into bands
// that read the map with the same taps. Where the bands' taps are at most half of the work of
// the Conv trimmed as below (and make at most 27 regions), the Conv becomes one unpadded Conv per
// region (a band of each axis) on the Slice of the input it reads, with only its taps, and Concats
// put the regions together: DeepLab's dilation-12 Conv on 14x14 is then 9 Convs of 1 to 4 taps.
// Otherwise the leading and trailing taps that no position reads the map with are cut from the
// weights and from the padding. Either way the output stays as it was (up to the order of the
// sums); an axis left with one tap gets dilation 1. Weights no Conv reads any longer go.
// Returns {"Conv": convolutions trimmed or split}.
ChangeCounts trim_conv_taps(ir::Graph& graph);

}  // namespace zenith::passes
