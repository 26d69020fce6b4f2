// Reading the "graph" object of a .zir header.
#pragma once

#include <span>

#include "ir/graph.h"
#include "ir/zir_json.h"

namespace zenith::ir::zir {

// Subgraphs and sequence/optional types nest at most this deep. ONNX models nest a few levels;
// the limit keeps a hostile header from exhausting the stack.
inline constexpr int kMaxNesting = 32;

// Builds the graph the field describes, checking the type of every field; tensors are
// `constants[i]` for the indices the header gives. Whether node inputs name existing values
// is left to the graph checks that run later. Throws InvalidModel naming the field.
Graph decode_graph(const JsonField& field, std::span<const Tensor> constants);

}  // namespace zenith::ir::zir
