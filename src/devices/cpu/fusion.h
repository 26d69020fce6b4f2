// Post-op fusion: which CPU nodes absorb the activations and residual Adds that follow them.
#pragma once

#include <vector>

#include "devices/cpu/cpu_op.h"

namespace zenith::cpu {

struct Grouping {
  std::vector<StepSpec> steps;  // per node; .node == nullptr when fused into another step
  // Per node: the index of the node whose step absorbed it, or -1. A DequantizeLinear whose
  // readers all read its input in its place (ops.h, build_normalize_quantize) is absorbed by
  // its first reader without being one of its step's nodes.
  std::vector<int> fused_into;
};

// `on_cpu[i]`: node i runs on CPU. A node absorbs its sole consumer while that consumer is an
// eltwise op (or, for Conv, one residual Add whose other operand exists before the Conv runs and
// does not broadcast the output to a larger shape, as far as shape inference knows) the factory
// allows; graphs with subgraphs are not fused (a body may read any value by name).
Grouping group_cpu_steps(const ir::Graph& graph, const std::vector<bool>& on_cpu);

}  // namespace zenith::cpu
