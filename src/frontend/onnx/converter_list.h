// The table of opset converters (converter_list.cpp); one row per op with old versions.
#pragma once

#include <span>

#include "frontend/onnx/converter.h"

namespace zenith::onnx_frontend {

std::span<const Converter> converter_table();

}  // namespace zenith::onnx_frontend
