// Batch norm + ReLU in a training graph, fused both ways. A zenith.BatchNormTrain whose Y only a
// Relu reads takes that Relu in (attribute relu = 1: it writes max(Y, 0) under the Relu's output
// name), and the zenith.BatchNormGrad its backward made takes in the ReluGrad that fed it: it
// reads the ReluGrad's dY and the Relu's output (its input 5) and masks dY itself. Each pair was
// two more passes over an activation forward and two backward: DenseNet-121 has 120, and
// ReLU with its gradient took 14% of its training step.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace zenith::train {

// Fuses every such pair in `graph` (a graph build_training_graph made); returns how many.
size_t fuse_batch_norm_relus(ir::Graph& graph);

}  // namespace zenith::train
