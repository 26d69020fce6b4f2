// The gRPC codec: InferTensorContents' repeated fields hold several element types each (INT8,
// INT16 and INT32 in int_contents, ...), so values are narrowed or widened on the way.
#include "serve/grpc_codec.h"

#include <cstring>

#include "serve/datatype.h"

namespace zenith::serve {
namespace {

template <typename T, typename Field>
void copy_in(const Field& field, std::vector<unsigned char>& out) {
  out.resize(static_cast<size_t>(field.size()) * sizeof(T));
  T* values = reinterpret_cast<T*>(out.data());
  for (int i = 0; i < field.size(); ++i) values[i] = static_cast<T>(field.Get(i));
}

// Decodes typed contents into `out`; false when the datatype has no typed field (FP16, BF16).
bool decode_contents(ElementType type, const inference::InferTensorContents& c,
                     std::vector<unsigned char>& out) {
  switch (type) {
    case ElementType::boolean:
      copy_in<bool>(c.bool_contents(), out);
      return true;
    case ElementType::i8:
      copy_in<int8_t>(c.int_contents(), out);
      return true;
    case ElementType::i16:
      copy_in<int16_t>(c.int_contents(), out);
      return true;
    case ElementType::i32:
      copy_in<int32_t>(c.int_contents(), out);
      return true;
    case ElementType::i64:
      copy_in<int64_t>(c.int64_contents(), out);
      return true;
    case ElementType::u8:
      copy_in<uint8_t>(c.uint_contents(), out);
      return true;
    case ElementType::u16:
      copy_in<uint16_t>(c.uint_contents(), out);
      return true;
    case ElementType::u32:
      copy_in<uint32_t>(c.uint_contents(), out);
      return true;
    case ElementType::u64:
      copy_in<uint64_t>(c.uint64_contents(), out);
      return true;
    case ElementType::f32:
      copy_in<float>(c.fp32_contents(), out);
      return true;
    case ElementType::f64:
      copy_in<double>(c.fp64_contents(), out);
      return true;
    case ElementType::f16:
    case ElementType::bf16:
      return false;
  }
  return false;
}

template <typename T, typename Field>
void copy_out(const Tensor& t, Field* field) {
  const T* values = static_cast<const T*>(t.data());
  field->Reserve(static_cast<int>(t.size()));
  for (size_t i = 0; i < t.size(); ++i) field->Add(values[i]);
}

// False when the datatype has no typed field (FP16, BF16): it goes raw.
bool encode_contents(const Tensor& t, inference::InferTensorContents& c) {
  switch (t.element_type()) {
    case ElementType::boolean:
      copy_out<bool>(t, c.mutable_bool_contents());
      return true;
    case ElementType::i8:
      copy_out<int8_t>(t, c.mutable_int_contents());
      return true;
    case ElementType::i16:
      copy_out<int16_t>(t, c.mutable_int_contents());
      return true;
    case ElementType::i32:
      copy_out<int32_t>(t, c.mutable_int_contents());
      return true;
    case ElementType::i64:
      copy_out<int64_t>(t, c.mutable_int64_contents());
      return true;
    case ElementType::u8:
      copy_out<uint8_t>(t, c.mutable_uint_contents());
      return true;
    case ElementType::u16:
      copy_out<uint16_t>(t, c.mutable_uint_contents());
      return true;
    case ElementType::u32:
      copy_out<uint32_t>(t, c.mutable_uint_contents());
      return true;
    case ElementType::u64:
      copy_out<uint64_t>(t, c.mutable_uint64_contents());
      return true;
    case ElementType::f32:
      copy_out<float>(t, c.mutable_fp32_contents());
      return true;
    case ElementType::f64:
      copy_out<double>(t, c.mutable_fp64_contents());
      return true;
    case ElementType::f16:
    case ElementType::bf16:
      return false;
  }
  return false;
}

}  // namespace

InferenceRequest decode_infer_request(const inference::ModelInferRequest& m) {
  InferenceRequest request;
  request.model = m.model_name();
  request.version = m.model_version();
  request.id = m.id();
  if (const auto it = m.parameters().find("timeout_us"); it != m.parameters().end()) {
    if (it->second.parameter_choice_case() != inference::InferParameter::kInt64Param ||
        it->second.int64_param() < 0)
      reject(Status::invalid_argument, "parameter timeout_us must be a non-negative int64_param");
    request.timeout_us = it->second.int64_param();
  }
  const bool raw = m.raw_input_contents_size() > 0;
  if (raw && m.raw_input_contents_size() != m.inputs_size())
    reject(Status::invalid_argument, "{} raw_input_contents for {} inputs: expected one per input",
           m.raw_input_contents_size(), m.inputs_size());
  if (m.inputs_size() == 0) reject(Status::invalid_argument, "the request has no inputs");
  for (int i = 0; i < m.inputs_size(); ++i) {
    const auto& in = m.inputs(i);
    const std::string where = fmt::format("inputs[{}] '{}'", i, in.name());
    const std::optional<ElementType> type = parse_datatype(in.datatype());
    if (!type)
      reject(Status::invalid_argument, "{}: datatype '{}' is not one Zenith serves", where,
             in.datatype());
    InputTensor tensor{in.name(), *type, Shape(in.shape().begin(), in.shape().end()), nullptr, 0};
    if (raw) {
      if (in.has_contents())
        reject(Status::invalid_argument, "{}: both contents and raw_input_contents", where);
      set_data(request, tensor, m.raw_input_contents(i).data(), m.raw_input_contents(i).size());
    } else {
      std::vector<unsigned char>& storage = request.storage.emplace_back();
      if (!decode_contents(*type, in.contents(), storage))
        reject(Status::invalid_argument, "{}: {} data travels in raw_input_contents only", where,
               in.datatype());
      tensor.data = storage.data();
      tensor.bytes = storage.size();
    }
    request.inputs.push_back(std::move(tensor));
  }
  for (const auto& out : m.outputs()) request.outputs.push_back({out.name(), raw});
  return request;
}

void encode_infer_response(const InferenceResponse& response, bool raw,
                           inference::ModelInferResponse& m) {
  m.set_model_name(response.model);
  m.set_model_version(response.version);
  m.set_id(response.id);
  // Once one output is raw, all are: raw_output_contents pairs with outputs by position.
  bool all_raw = raw;
  for (const OutputTensor& out : response.outputs) {
    const ElementType type = out.tensor.element_type();
    all_raw = all_raw || type == ElementType::f16 || type == ElementType::bf16;
  }
  for (const OutputTensor& out : response.outputs) {
    auto* o = m.add_outputs();
    o->set_name(out.name);
    o->set_datatype(datatype_name(out.tensor.element_type()));
    for (int64_t d : out.tensor.shape()) o->add_shape(d);
    if (all_raw)
      m.add_raw_output_contents(static_cast<const char*>(out.tensor.data()),
                                out.tensor.byte_size());
    else
      encode_contents(out.tensor, *o->mutable_contents());
  }
}

}  // namespace zenith::serve
