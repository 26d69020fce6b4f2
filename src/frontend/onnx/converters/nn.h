// Converters for neural-network ops: Softmax family, BatchNormalization, Dropout, Upsample and
// Resize, RNN family, RoiAlign, Scatter.
#pragma once

#include "frontend/onnx/converter.h"

namespace zenith::onnx_frontend {

// Softmax / LogSoftmax / Hardmax < 13: the input is coerced to 2-D at `axis` (default 1).
void convert_softmax(ir::Node& node, ConvertContext& context);
// BatchNormalization < 14: is_test / spatial attributes, training outputs.
void convert_batch_normalization(ir::Node& node, ConvertContext& context);
// Dropout < 12: `ratio` (and `is_test`) attributes -> inputs; mask of the data type before 10.
void convert_dropout(ir::Node& node, ConvertContext& context);
// Upsample (deprecated) -> Resize-13.
void convert_upsample(ir::Node& node, ConvertContext& context);
// Resize-10 (Upsample's semantics) and Resize-11 (roi and scales always present) -> Resize-13.
void convert_resize(ir::Node& node, ConvertContext& context);
// RNN / GRU / LSTM < 7: the `output_sequence` attribute.
void convert_recurrent(ir::Node& node, ConvertContext& context);
// RoiAlign-10: pixel coordinates were not shifted by half a pixel.
void convert_roi_align(ir::Node& node, ConvertContext& context);
// Scatter (deprecated) -> ScatterElements.
void convert_scatter(ir::Node& node, ConvertContext& context);

}  // namespace zenith::onnx_frontend
