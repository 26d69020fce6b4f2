// Writing an ir::Graph as an .onnx file: how a model Zenith quantized (`zenith convert
// --precision int8 --export-qdq`) reaches other runtimes.
#pragma once

#include <filesystem>

#include "ir/graph.h"

namespace zenith::onnx_frontend {

// Writes `graph` at `path` (atomically: a temporary file renamed into place) as an ONNX model
// of the canonical opset (17), initializers inline. The IR's canonical forms are ONNX 17's but
// for Reduce* ops, whose `axes` input goes back to the attribute where opset 17 has one.
// Throws Unsupported naming the node for ops in Zenith's own domain (the fusions of the
// default passes), which no other runtime knows, and for a Reduce* whose axes are computed;
// InvalidArgument if the file cannot be written.
void write_model(const ir::Graph& graph, const std::filesystem::path& path);

}  // namespace zenith::onnx_frontend
