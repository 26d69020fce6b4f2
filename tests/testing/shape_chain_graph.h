// A small graph with the shape computation exporters write for dynamic axes, for the shape
// folding and per-shape compilation tests.
#pragma once

#include <memory>

#include "reference/graph_builder.h"
#include "reference/run_node.h"

namespace zenith::testing {

// y = Relu(x) flattened to [x's dim 0, -1] through Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape, as PyTorch exports x.view(x.size(0), -1); Shape reads a computed value, whose shape
// only inference knows.
inline std::shared_ptr<ir::Graph> shape_chain_graph(ir::Shape input) {
  auto graph = make_graph(
      {make_node("Relu", {"x"}, {"r"}), make_node("Shape", {"r"}, {"s"}),
       make_node("Gather", {"s", "zero"}, {"batch"}, {{"axis", int64_t{0}}}),
       make_node("Unsqueeze", {"batch", "axes"}, {"b1"}),
       make_node("Concat", {"b1", "minus_one"}, {"target"}, {{"axis", int64_t{0}}}),
       make_node("Reshape", {"r", "target"}, {"y"})},
      {"x"}, {"y"},
      {{"zero", ir::Tensor::scalar<int64_t>(0)},
       {"axes", make_tensor<int64_t>({1}, {0})},
       {"minus_one", make_tensor<int64_t>({1}, {-1})}});
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, std::move(input));
  return graph;
}

}  // namespace zenith::testing
