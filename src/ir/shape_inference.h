// Static forward shape propagation for the common ops, for reports such as `zenith info`.
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"

namespace zenith::ir {

// The concrete dims of every value whose shape follows from the graph inputs' shapes, for the
// common ops (convolution, pooling, Gemm/MatMul, Reshape with a computable shape, Concat,
// elementwise, normalization, Pad, Shape/Gather chains ...). Graph inputs take their dims from
// `overrides` when named there, else their declared shape with every symbolic or unknown
// dimension set to 1. Values it cannot infer (unknown op, data-dependent shape, inconsistent
// shapes) are left out, and so is everything computed from them; it never throws for them.
std::map<std::string, Dims> infer_shapes(const Graph& graph,
                                         const std::map<std::string, Dims>& overrides = {});

}  // namespace zenith::ir
