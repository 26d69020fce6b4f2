// Converters for control-flow ops: Scan-8 (batched) -> Scan-16.
#pragma once

#include "frontend/onnx/converter.h"

namespace zenith::onnx_frontend {

// Scan-8 iterates every tensor along axis 1 for each batch entry along axis 0.
void convert_scan(ir::Node& node, ConvertContext& context);

}  // namespace zenith::onnx_frontend
