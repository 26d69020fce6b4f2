// The gRPC codec: InferTensorContents' repeated fields hold several element types each (INT8,
// INT16 and INT32 in int_contents, ...), so values are narrowed or widened on the way.
#include "serve/grpc_codec.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "serve/datatype.h"

namespace zenith::serve {
namespace {

// The repeated field of InferTensorContents that holds values of type T.
template <typename T, typename Contents>
auto& field(Contents& c) {
  if constexpr (std::is_same_v<T, bool>)
    return *c.mutable_bool_contents();
  else if constexpr (std::is_same_v<T, float>)
    return *c.mutable_fp32_contents();
  else if constexpr (std::is_same_v<T, double>)
    return *c.mutable_fp64_contents();
  else if constexpr (std::is_same_v<T, int64_t>)
    return *c.mutable_int64_contents();
  else if constexpr (std::is_same_v<T, uint64_t>)
    return *c.mutable_uint64_contents();
  else if constexpr (std::is_signed_v<T>)
    return *c.mutable_int_contents();
  else
    return *c.mutable_uint_contents();
}

// Decodes typed contents into `out`; false for a raw-only type or a value the datatype cannot
// hold (300 as INT8 in int_contents is refused, not wrapped).
bool decode_contents(ElementType type, const inference::InferTensorContents& c,
                     std::vector<unsigned char>& out) {
  return visit_values(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // (a repeated scalar field's mutable_ accessor only returns it; nothing is changed)
    const auto& values = field<T>(const_cast<inference::InferTensorContents&>(c));
    out.resize(static_cast<size_t>(values.size()) * sizeof(T));
    T* to = reinterpret_cast<T*>(out.data());
    for (const auto v : values) {
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
        if (!std::in_range<T>(v)) return false;
      *to++ = static_cast<T>(v);
    }
    return true;
  });
}

// False for a raw-only type: it goes raw.
bool encode_contents(const Tensor& t, inference::InferTensorContents& c) {
  return visit_values(t.element_type(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto& values = field<T>(c);
    const T* from = static_cast<const T*>(t.data());
    values.Reserve(static_cast<int>(t.size()));
    for (size_t i = 0; i < t.size(); ++i) values.Add(from[i]);
    return true;
  });
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
        reject(Status::invalid_argument, "{}: {}", where,
               raw_only(*type) ? in.datatype() + " data travels in raw_input_contents only"
                               : "a value of its contents does not fit " + in.datatype());
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
  const bool all_raw =
      raw || std::any_of(response.outputs.begin(), response.outputs.end(),
                         [](const OutputTensor& o) { return raw_only(o.tensor.element_type()); });
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
