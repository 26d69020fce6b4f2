// GraphProto -> ir::Graph, including subgraphs and opset normalization.
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <map>
#include <string>

#include "ir/graph.h"

namespace zenith::onnx_frontend {

struct ImportOptions {
  std::map<std::string, int64_t> opsets;  // domain -> version imported by the model
  std::filesystem::path base_dir;         // where external data files live
};

ir::Graph import_graph(const onnx::GraphProto& proto, const ImportOptions& options);

}  // namespace zenith::onnx_frontend
