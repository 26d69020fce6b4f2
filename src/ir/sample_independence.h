// Whether a graph computes each sample of a batch on its own: the question behind splitting a
// batch between threads that run it as independent smaller batches (runtime/batch_split.h).
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace zenith::ir {

struct SampleIndependence {
  int64_t batch = 0;   // the runtime inputs' common first dim; 0 when there is none
  std::string reason;  // empty: every output row depends on the same rows of the inputs only
  bool independent() const { return batch > 0 && reason.empty(); }
};

// For a graph whose runtime inputs have concrete shapes: whether splitting every runtime input
// along axis 0 into row blocks, running the graph on each block, and joining the outputs along
// axis 0 gives the outputs of one run on the whole batch. Decided per node by rules that follow
// the batch axis (axis 0 of whatever the inputs flow into): pointwise and broadcasting ops,
// convolutions, pooling and normalization within a sample, Gemm/MatMul against constants,
// reductions, Softmax, Concat, Slice, Gather, Transpose and reshapes that leave axis 0 alone.
// Any other op, or one that would mix rows (a reduction over axis 0, a constant with a row per
// sample, a Shape of a batched value), makes the answer no, with the node named in `reason`.
SampleIndependence sample_independence(const Graph& graph);

}  // namespace zenith::ir
