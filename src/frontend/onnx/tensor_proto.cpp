// TensorProto decoding: typed fields, raw_data, external data, all bounds-checked.
#include "frontend/onnx/tensor_proto.h"

#include <cstring>
#include <fstream>

#include "ir/errors.h"

namespace zenith::onnx_frontend {
namespace {

using onnx::TensorProto;

template <typename Dst, typename Field>
void copy_field(const Field& field, ir::Tensor& t, std::string_view what) {
  if (static_cast<int64_t>(field.size()) != t.numel())
    throw_invalid_model("{}: holds {} values but its shape {} needs {}", what, field.size(),
                        ir::to_string(t.dims()), t.numel());
  Dst* dst = t.data<Dst>();
  for (int64_t i = 0; i < t.numel(); ++i) dst[i] = static_cast<Dst>(field.Get(static_cast<int>(i)));
}

// f16 / bf16 arrive as uint16 bit patterns in int32_data.
template <typename Half>
void copy_half_bits(const google::protobuf::RepeatedField<int32_t>& field, ir::Tensor& t,
                    std::string_view what) {
  if (static_cast<int64_t>(field.size()) != t.numel())
    throw_invalid_model("{}: holds {} values but its shape {} needs {}", what, field.size(),
                        ir::to_string(t.dims()), t.numel());
  Half* dst = t.data<Half>();
  for (int64_t i = 0; i < t.numel(); ++i)
    dst[i] = Half::from_bits(static_cast<uint16_t>(field.Get(static_cast<int>(i))));
}

void copy_typed_fields(const TensorProto& proto, ir::Tensor& t, std::string_view what) {
  switch (t.dtype()) {
    case ir::DType::F32: return copy_field<float>(proto.float_data(), t, what);
    case ir::DType::F64: return copy_field<double>(proto.double_data(), t, what);
    case ir::DType::F16: return copy_half_bits<ir::Float16>(proto.int32_data(), t, what);
    case ir::DType::BF16: return copy_half_bits<ir::BFloat16>(proto.int32_data(), t, what);
    case ir::DType::I8: return copy_field<int8_t>(proto.int32_data(), t, what);
    case ir::DType::U8: return copy_field<uint8_t>(proto.int32_data(), t, what);
    case ir::DType::I16: return copy_field<int16_t>(proto.int32_data(), t, what);
    case ir::DType::U16: return copy_field<uint16_t>(proto.int32_data(), t, what);
    case ir::DType::I32: return copy_field<int32_t>(proto.int32_data(), t, what);
    case ir::DType::Bool: return copy_field<bool>(proto.int32_data(), t, what);
    case ir::DType::U32: return copy_field<uint32_t>(proto.uint64_data(), t, what);
    case ir::DType::U64: return copy_field<uint64_t>(proto.uint64_data(), t, what);
    case ir::DType::I64: return copy_field<int64_t>(proto.int64_data(), t, what);
    case ir::DType::String: {
      if (static_cast<int64_t>(proto.string_data_size()) != t.numel())
        throw_invalid_model("{}: holds {} strings but its shape {} needs {}", what,
                            proto.string_data_size(), ir::to_string(t.dims()), t.numel());
      auto* dst = t.data<std::string>();
      for (int64_t i = 0; i < t.numel(); ++i) dst[i] = proto.string_data(static_cast<int>(i));
      return;
    }
    case ir::DType::Undefined: break;
  }
  throw_invalid_model("{}: undefined data type", what);
}

void copy_bytes(const char* src, size_t size, ir::Tensor& t, std::string_view what) {
  if (size != t.size_bytes())
    throw_invalid_model("{}: has {} bytes of data but dtype {} and shape {} need {}", what, size,
                        ir::dtype_name(t.dtype()), ir::to_string(t.dims()), t.size_bytes());
  if (size) std::memcpy(t.raw(), src, size);
}

void read_external(const TensorProto& proto, const std::filesystem::path& base_dir, ir::Tensor& t,
                   std::string_view what) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const auto& entry : proto.external_data()) {
    if (entry.key() == "location") location = entry.value();
    else if (entry.key() == "offset") offset = std::stoll(entry.value());
    else if (entry.key() == "length") length = std::stoll(entry.value());
  }
  if (location.empty()) throw_invalid_model("{}: external data has no location", what);
  const std::filesystem::path rel(location);
  if (rel.is_absolute() || location.find("..") != std::string::npos)
    throw_invalid_model("{}: external data location '{}' must be a relative path inside the "
                        "model's folder",
                        what, location);
  const std::filesystem::path file = base_dir / rel;
  std::error_code ec;
  const auto file_size = std::filesystem::file_size(file, ec);
  if (ec) throw_invalid_model("{}: cannot open external data file '{}'", what, file.string());
  if (length < 0) length = static_cast<int64_t>(t.size_bytes());
  if (offset < 0 || static_cast<uint64_t>(offset) + static_cast<uint64_t>(length) > file_size)
    throw_invalid_model("{}: external data [{}, +{}) lies outside '{}' ({} bytes)", what, offset,
                        length, file.string(), file_size);
  if (static_cast<size_t>(length) != t.size_bytes())
    throw_invalid_model("{}: external data has {} bytes but the tensor needs {}", what, length,
                        t.size_bytes());
  std::ifstream in(file, std::ios::binary);
  in.seekg(offset);
  in.read(reinterpret_cast<char*>(t.raw()), length);
  if (!in) throw_invalid_model("{}: failed to read external data from '{}'", what, file.string());
}

}  // namespace

ir::DType dtype_from_onnx(int32_t data_type, std::string_view what) {
  switch (data_type) {
    case TensorProto::FLOAT: return ir::DType::F32;
    case TensorProto::DOUBLE: return ir::DType::F64;
    case TensorProto::FLOAT16: return ir::DType::F16;
    case TensorProto::BFLOAT16: return ir::DType::BF16;
    case TensorProto::INT8: return ir::DType::I8;
    case TensorProto::UINT8: return ir::DType::U8;
    case TensorProto::INT16: return ir::DType::I16;
    case TensorProto::UINT16: return ir::DType::U16;
    case TensorProto::INT32: return ir::DType::I32;
    case TensorProto::UINT32: return ir::DType::U32;
    case TensorProto::INT64: return ir::DType::I64;
    case TensorProto::UINT64: return ir::DType::U64;
    case TensorProto::BOOL: return ir::DType::Bool;
    case TensorProto::STRING: return ir::DType::String;
    default: break;
  }
  const char* name = TensorProto::DataType_IsValid(data_type)
                         ? TensorProto::DataType_Name(static_cast<TensorProto::DataType>(data_type)).c_str()
                         : "invalid";
  throw_unsupported("{}: element type {} ({}) is not supported", what, data_type, name);
}

int32_t dtype_to_onnx(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::F32: return TensorProto::FLOAT;
    case ir::DType::F64: return TensorProto::DOUBLE;
    case ir::DType::F16: return TensorProto::FLOAT16;
    case ir::DType::BF16: return TensorProto::BFLOAT16;
    case ir::DType::I8: return TensorProto::INT8;
    case ir::DType::U8: return TensorProto::UINT8;
    case ir::DType::I16: return TensorProto::INT16;
    case ir::DType::U16: return TensorProto::UINT16;
    case ir::DType::I32: return TensorProto::INT32;
    case ir::DType::U32: return TensorProto::UINT32;
    case ir::DType::I64: return TensorProto::INT64;
    case ir::DType::U64: return TensorProto::UINT64;
    case ir::DType::Bool: return TensorProto::BOOL;
    case ir::DType::String: return TensorProto::STRING;
    case ir::DType::Undefined: break;
  }
  return TensorProto::UNDEFINED;
}

ir::Tensor tensor_from_proto(const TensorProto& proto, const std::filesystem::path& base_dir,
                             std::string_view what) {
  if (proto.has_segment())
    throw_unsupported("{}: segmented tensors are not supported", what);
  const ir::DType dtype = dtype_from_onnx(proto.data_type(), what);
  ir::Dims dims(proto.dims().begin(), proto.dims().end());
  ir::Tensor t;
  try {
    t = ir::Tensor(dtype, dims);
  } catch (const Error& e) {
    throw Error(Error::Kind::InvalidModel, fmt::format("{}: {}", what, e.what()));
  }
  if (proto.data_location() == TensorProto::EXTERNAL) {
    read_external(proto, base_dir, t, what);
  } else if (proto.has_raw_data() && dtype != ir::DType::String) {
    copy_bytes(proto.raw_data().data(), proto.raw_data().size(), t, what);
  } else {
    copy_typed_fields(proto, t, what);
  }
  return t;
}

ir::Value value_from_proto(const onnx::SequenceProto& proto, std::string_view what) {
  ir::TensorSequence seq;
  if (proto.elem_type() != onnx::SequenceProto::TENSOR)
    throw_unsupported("{}: only sequences of tensors are supported", what);
  for (const auto& t : proto.tensor_values()) {
    seq.items.push_back(tensor_from_proto(t, {}, what));
    seq.elem_dtype = seq.items.back().dtype();
  }
  return seq;
}

ir::Value value_from_proto(const onnx::OptionalProto& proto, std::string_view what) {
  switch (proto.elem_type()) {
    case onnx::OptionalProto::UNDEFINED: return {};
    case onnx::OptionalProto::TENSOR:
      return proto.has_tensor_value() ? ir::Value(tensor_from_proto(proto.tensor_value(), {}, what))
                                      : ir::Value();
    case onnx::OptionalProto::SEQUENCE:
      return proto.has_sequence_value() ? value_from_proto(proto.sequence_value(), what)
                                        : ir::Value();
    default: break;
  }
  throw_unsupported("{}: optional of element type {} is not supported", what, proto.elem_type());
}

ir::Value read_value_file(const std::filesystem::path& path, ProtoKind kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_invalid_argument("cannot open '{}'", path.string());
  const std::string what = path.string();
  auto parse_fail = [&] { throw_invalid_model("{}: not a valid serialized protobuf", what); };
  switch (kind) {
    case ProtoKind::Tensor: {
      TensorProto proto;
      if (!proto.ParseFromIstream(&in)) parse_fail();
      return tensor_from_proto(proto, path.parent_path(), what);
    }
    case ProtoKind::Sequence: {
      onnx::SequenceProto proto;
      if (!proto.ParseFromIstream(&in)) parse_fail();
      return value_from_proto(proto, what);
    }
    case ProtoKind::Optional: {
      onnx::OptionalProto proto;
      if (!proto.ParseFromIstream(&in)) parse_fail();
      return value_from_proto(proto, what);
    }
  }
  return {};
}

}  // namespace zenith::onnx_frontend
