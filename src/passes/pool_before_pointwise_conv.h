// Pooling moved before a pointwise convolution: AveragePool(Conv(x)) with a 1x1 Conv becomes
// Conv(AveragePool(x)), so the Conv runs on the pooled, smaller map. DenseNet's transition
// layers are this pattern: a 1x1 Conv, then 2x2 average pooling, and the Conv did 4x the work.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Both ops are linear and the Conv mixes channels pixel by pixel while the pool averages each
// channel over space, so they commute when every pooling window is whole (no padding, no
// ceil_mode, no dilation) and the Conv is 1x1 with stride 1 and no padding (its bias is a
// constant each window averages to itself). The Conv's output must have no other reader.
// Returns {"AveragePool": pools moved}.
ChangeCounts pool_before_pointwise_conv(ir::Graph& graph);

}  // namespace zenith::passes
