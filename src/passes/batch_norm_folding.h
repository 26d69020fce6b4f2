// batch_norm_folding: folds an inference BatchNormalization into the Conv or Gemm before it.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// For each BatchNormalization in inference mode (training_mode 0, outputs other than Y unused)
// whose input X is the only use of a Conv's or Gemm's output, where the weights (and bias / C
// when present) and scale, B, mean and var are f32 constants of matching sizes:
//   s  = scale / sqrt(var + epsilon)           per output channel
//   Conv: W' = W * s (over W's first axis),   b' = (b - mean) * s + B
//   Gemm: B' = B * s (over the N axis),       C' = (beta * C - mean) * s + B, beta' = 1
// The producer then reads W'/b' (B'/C'), new initializers with fresh names, so weights another
// node shares are never changed, and outputs Y directly; the BatchNormalization is removed.
// The old weights may become unused; run eliminate_dead_nodes after.
// Returns the folded nodes counted as "BatchNormalization into <producer op>".
ChangeCounts fold_batch_norms(ir::Graph& graph);

}  // namespace zenith::passes
