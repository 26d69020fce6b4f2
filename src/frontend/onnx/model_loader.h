// Loading an .onnx file into an ir::Graph in the IR's canonical op forms.
#pragma once

#include <filesystem>

#include "ir/graph.h"

namespace zenith::onnx_frontend {

// Parses, checks (ONNX's own checker as a cross-check) and imports the model at `path`,
// reading external data relative to its folder. Throws InvalidModel for a malformed file and
// Unsupported for ops, versions or types Zenith lacks; messages name the file and node.
ir::Graph load_model(const std::filesystem::path& path);

}  // namespace zenith::onnx_frontend
