// Model statistics for `zenith info`: op histogram, parameters, estimated compute.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace zenith::tools {

struct ModelStats {
  std::vector<std::pair<std::string, int64_t>> op_histogram;  // most frequent first
  int64_t node_count = 0;
  int64_t initializer_count = 0;
  int64_t parameter_count = 0;  // elements of all initializers
  int64_t parameter_bytes = 0;
  // Multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul.
  double macs = 0;
  // 2 * macs, plus one per output element of elementwise ops and per window element of pooling.
  double flops = 0;
  // Nodes whose cost counts toward flops but whose shapes could not be inferred.
  std::vector<std::string> nodes_without_shapes;
};

// `dims` holds the inferred dims of values (see ir::infer_shapes).
ModelStats compute_stats(const ir::Graph& graph, const std::map<std::string, ir::Dims>& dims);

}  // namespace zenith::tools
