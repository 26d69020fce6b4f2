// Converters for shape and reduction ops whose attributes became inputs: Reduce*, Reshape,
// Slice, Split, Squeeze, Unsqueeze, Pad, Tile, TopK, and Concat's old default axis.
#pragma once

#include "frontend/onnx/converter.h"

namespace zenith::onnx_frontend {

// Reduce* at every version: `axes` attribute -> input 1 (the IR's opset-18 form).
void convert_reduce(ir::Node& node, ConvertContext& context);
// Squeeze / Unsqueeze < 13: `axes` attribute -> input 1.
void convert_squeeze(ir::Node& node, ConvertContext& context);
// Reshape < 5: `shape` attribute -> input 1.
void convert_reshape(ir::Node& node, ConvertContext& context);
// Slice < 10: `starts` / `ends` / `axes` attributes -> inputs 1-3.
void convert_slice(ir::Node& node, ConvertContext& context);
// Split < 13: `split` attribute -> input 1.
void convert_split(ir::Node& node, ConvertContext& context);
// Pad < 11: `pads` (Pad-1: `paddings`) and `value` attributes -> inputs 1-2.
void convert_pad(ir::Node& node, ConvertContext& context);
// Tile-1: (input, tiles, axis) -> (input, repeats).
void convert_tile(ir::Node& node, ConvertContext& context);
// TopK < 10: `k` attribute -> input 1.
void convert_topk(ir::Node& node, ConvertContext& context);
// Concat-1: `axis` was optional, default 1.
void convert_concat(ir::Node& node, ConvertContext& context);

}  // namespace zenith::onnx_frontend
