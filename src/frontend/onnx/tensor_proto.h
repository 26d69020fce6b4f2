// Conversion of ONNX TensorProto / SequenceProto / OptionalProto to IR tensors and values.
#pragma once

// onnx_pb.h defines ONNX_API, which onnx-data_pb.h needs: keep this order.
#include <onnx/onnx_pb.h>
#include <onnx/onnx-data_pb.h>

#include <filesystem>
#include <string>

#include "ir/dtype.h"
#include "ir/tensor.h"
#include "ir/value.h"

namespace zenith::onnx_frontend {

// Maps TensorProto::DataType to DType; throws Unsupported naming `what` for types Zenith
// lacks (complex, float8).
ir::DType dtype_from_onnx(int32_t data_type, std::string_view what);
int32_t dtype_to_onnx(ir::DType dtype);

// Reads the tensor's data from whichever field holds it, or from an external file relative to
// `base_dir`. Every length and offset is checked against the declared shape and the file size,
// so a malformed tensor is an InvalidModel error naming `what`, never an out-of-bounds read.
ir::Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::filesystem::path& base_dir,
                             std::string_view what);

ir::Value value_from_proto(const onnx::SequenceProto& proto, std::string_view what);
ir::Value value_from_proto(const onnx::OptionalProto& proto, std::string_view what);

// Parses a serialized TensorProto / SequenceProto / OptionalProto file (ONNX test data) into a
// Value. Which message it is comes from the caller's knowledge of the graph's types.
enum class ProtoKind { Tensor, Sequence, Optional };
ir::Value read_value_file(const std::filesystem::path& path, ProtoKind kind);

}  // namespace zenith::onnx_frontend
