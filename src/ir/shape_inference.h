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

// What inference learns: the dims above, and the integer contents of the small rank-0/1 tensors
// that shape computations pass around (Shape's outputs, what Gather, Slice, Concat, Unsqueeze and
// integer Add/Sub/Mul/Div make of them, small integer initializers). A value is listed by the
// name of the tensor holding it; its dtype is the graph's to tell (a Cast keeps the integers).
struct ShapeFacts {
  std::map<std::string, Dims> dims;
  std::map<std::string, std::vector<int64_t>> values;
};
ShapeFacts infer_shape_facts(const Graph& graph, const std::map<std::string, Dims>& overrides = {});

}  // namespace zenith::ir
