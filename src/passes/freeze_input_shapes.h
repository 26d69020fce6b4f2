// Shape freezing: fixing a model's inputs to concrete shapes, as `zenith convert --input-shape`
// and Model::reshape do, so that shape computations fold and devices see static shapes.
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Gives each named graph input its shape, then, once every input the caller feeds has concrete
// dims, writes the inferred dims into the graph outputs and the annotated values
// (graph.value_types) whose shapes inference finds. Counts "inputs" and "values" changed.
// Throws InvalidArgument, naming the graph's source, for a name that is not a graph input, a
// negative dim, or a shape that does not fit the declared one (rank, or a known dim that
// differs); the graph is unchanged then.
ChangeCounts freeze_input_shapes(ir::Graph& graph, const std::map<std::string, ir::Dims>& shapes);

}  // namespace zenith::passes
