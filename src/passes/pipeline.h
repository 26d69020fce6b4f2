// The default pass pipeline that model conversion and compilation run.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// What one pass changed over all rounds of the pipeline.
struct PassSummary {
  std::string pass;  // "constant_folding"
  std::string verb;  // "folded", "removed"
  ChangeCounts changes;

  // "folded 3 Identity, 1 Shape", or "no change".
  std::string describe() const;
};

struct PipelineReport {
  std::vector<PassSummary> passes;  // in pipeline order
  int rounds = 0;                   // including the last round, which changed nothing
  size_t nodes_before = 0;
  size_t nodes_after = 0;
  size_t initializers_before = 0;
  size_t initializers_after = 0;

  // One line per pass, then a nodes/initializers before -> after line.
  std::string to_string() const;
};

// Runs einsum_to_matmul once, then identity_elimination, constant_folding, batch_norm_folding,
// layer_norm_fusion, gelu_fusion, swish_fusion, attention_fusion, qconv_fusion and
// dead_node_elimination in rounds until a round changes nothing, then pool_before_pointwise_conv
// once. Never changes what the graph computes (beyond float rounding).
PipelineReport run_default_passes(ir::Graph& graph);

}  // namespace zenith::passes
