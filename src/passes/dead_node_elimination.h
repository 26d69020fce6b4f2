// dead_node_elimination: removes nodes and initializers that no graph output depends on.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Removes each node none of whose outputs reaches a graph output, and each initializer nothing
// live reads. A value read by name inside a subgraph (If / Loop / Scan body) of a live node is
// live. Graph inputs and outputs are the graph's interface and are kept, including initializers
// that double as overridable graph inputs.
// Returns {"nodes": removed nodes, "initializers": removed initializers}.
ChangeCounts eliminate_dead_nodes(ir::Graph& graph);

}  // namespace zenith::passes
