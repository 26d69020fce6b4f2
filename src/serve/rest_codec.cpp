// The REST codec on nlohmann::json. JSON data arrays may nest (row-major) or be flat; FP16 and
// BF16 tensors travel as binary data only, as in Triton.
#include "serve/rest_codec.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "serve/datatype.h"

namespace zenith::serve {
namespace {

using nlohmann::json;

// append_numbers<T>: decode_numbers for one type.
template <typename T>
bool append_numbers(const json& data, std::vector<unsigned char>& out) {
  if (data.is_array()) {
    for (const json& x : data)
      if (!append_numbers<T>(x, out)) return false;
    return true;
  }
  T value;
  if constexpr (std::is_same_v<T, bool>) {
    if (!data.is_boolean()) return false;
    value = data.get<bool>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!data.is_number()) return false;
    value = data.get<T>();
  } else {
    // An integer the type cannot hold is refused, not wrapped (300 as INT8).
    if (!data.is_number_integer()) return false;
    if (data.is_number_unsigned() ? !std::in_range<T>(data.get<uint64_t>())
                                  : !std::in_range<T>(data.get<int64_t>()))
      return false;
    value = data.get<T>();
  }
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));
  return true;
}

// Appends the numbers of a (possibly nested) JSON array to `out` as `type`'s values; false on a
// value that is not one, or for a raw-only type.
bool decode_numbers(ElementType type, const json& data, std::vector<unsigned char>& out) {
  return visit_values(
      type, [&](auto tag) { return append_numbers<typename decltype(tag)::type>(data, out); });
}

json encode_numbers(const Tensor& t) {
  json out = json::array();
  out.get_ref<json::array_t&>().reserve(t.size());
  visit_values(t.element_type(), [&](auto tag) {
    const auto* values = static_cast<const typename decltype(tag)::type*>(t.data());
    for (size_t i = 0; i < t.size(); ++i) out.push_back(values[i]);
    return true;
  });
  return out;
}

// JSON nested deeper than any request needs (a tensor's data nests once per dimension) is
// refused before parsing: nlohmann's parser, dump() and the data walk all recurse, and 100,000
// levels in a 200 KB body overflowed the stack.
constexpr int kMaxDepth = 64;

bool too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

const json* member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// The request-level or tensor-level "parameters" object (null if absent).
const json* parameters(const json& object, const std::string& where) {
  const json* p = member(object, "parameters");
  if (p && !p->is_object())
    reject(Status::invalid_argument, "{}\"parameters\" must be an object", where);
  return p;
}

Shape decode_shape(const json& input, const std::string& where) {
  const json* shape = member(input, "shape");
  if (!shape || !shape->is_array())
    reject(Status::invalid_argument, "{}: \"shape\" must be a list of dimensions", where);
  Shape out;
  for (const json& d : *shape) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0)
      reject(Status::invalid_argument, "{}: a dimension of \"shape\" is {}, not a size", where,
             d.dump());
    out.push_back(d.get<int64_t>());
  }
  return out;
}

}  // namespace

InferenceRequest decode_infer_request(std::string_view body, std::optional<size_t> header_length,
                                      const std::string& model, const std::string& version) {
  if (header_length && *header_length > body.size())
    reject(Status::invalid_argument,
           "Inference-Header-Content-Length {} exceeds the body's {} bytes", *header_length,
           body.size());
  const std::string_view header = body.substr(0, header_length.value_or(body.size()));
  std::string_view binary = body.substr(header.size());
  if (too_deep(header))
    reject(Status::invalid_argument, "the request's JSON nests deeper than {} levels", kMaxDepth);
  const json doc = json::parse(header, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    reject(Status::invalid_argument, "the request body is not a JSON object{}",
           header_length ? " (in its first Inference-Header-Content-Length bytes)" : "");
  InferenceRequest request;
  request.model = model;
  request.version = version;
  if (const json* id = member(doc, "id")) {
    if (!id->is_string()) reject(Status::invalid_argument, "\"id\" must be a string");
    request.id = id->get<std::string>();
  }
  if (const json* p = parameters(doc, "")) {
    if (const json* t = member(*p, "timeout_us")) {
      if (!t->is_number_integer() || t->get<int64_t>() < 0)
        reject(Status::invalid_argument, "parameters.timeout_us must be a non-negative integer");
      request.timeout_us = t->get<int64_t>();
    }
    if (const json* b = member(*p, "binary_data_output")) request.binary_outputs = *b == true;
  }
  const json* inputs = member(doc, "inputs");
  if (!inputs || !inputs->is_array() || inputs->empty())
    reject(Status::invalid_argument, "\"inputs\" must be a non-empty list");
  for (size_t i = 0; i < inputs->size(); ++i) {
    const json& input = (*inputs)[i];
    std::string where = fmt::format("inputs[{}]", i);
    if (!input.is_object()) reject(Status::invalid_argument, "{} is not an object", where);
    const json* name = member(input, "name");
    if (!name || !name->is_string()) reject(Status::invalid_argument, "{}: no \"name\"", where);
    InputTensor tensor;
    tensor.name = name->get<std::string>();
    where += " '" + tensor.name + "'";
    const json* datatype = member(input, "datatype");
    const std::optional<ElementType> type = datatype && datatype->is_string()
                                                ? parse_datatype(datatype->get<std::string>())
                                                : std::nullopt;
    if (!type)
      reject(Status::invalid_argument, "{}: \"datatype\" {} is not one Zenith serves", where,
             datatype ? datatype->dump() : "missing");
    tensor.type = *type;
    tensor.shape = decode_shape(input, where);
    const json* p = parameters(input, where + ": ");
    const json* binary_size = p ? member(*p, "binary_data_size") : nullptr;
    if (binary_size) {
      if (!binary_size->is_number_unsigned())
        reject(Status::invalid_argument, "{}: binary_data_size must be a byte count", where);
      const auto size = binary_size->get<size_t>();
      if (size > binary.size())
        reject(Status::invalid_argument,
               "{}: binary_data_size {} but only {} bytes of binary data are left in the body",
               where, size, binary.size());
      set_data(request, tensor, binary.data(), size);
      binary.remove_prefix(size);
    } else {
      const json* data = member(input, "data");
      if (!data) reject(Status::invalid_argument, "{}: no \"data\" and no binary_data_size", where);
      std::vector<unsigned char>& storage = request.storage.emplace_back();
      if (!decode_numbers(tensor.type, *data, storage))
        reject(Status::invalid_argument, "{}: \"data\" must be {} values{}", where,
               datatype_name(tensor.type),
               raw_only(tensor.type) ? " (FP16 and BF16 travel as binary data only)" : "");
      tensor.data = storage.data();
      tensor.bytes = storage.size();
    }
    request.inputs.push_back(std::move(tensor));
  }
  if (!binary.empty())
    reject(Status::invalid_argument, "{} bytes of binary data that no input claims", binary.size());
  if (const json* outputs = member(doc, "outputs")) {
    if (!outputs->is_array()) reject(Status::invalid_argument, "\"outputs\" must be a list");
    for (size_t i = 0; i < outputs->size(); ++i) {
      const json& output = (*outputs)[i];
      const json* name = output.is_object() ? member(output, "name") : nullptr;
      if (!name || !name->is_string())
        reject(Status::invalid_argument, "outputs[{}]: no \"name\"", i);
      const json* p = parameters(output, fmt::format("outputs[{}]: ", i));
      const json* binary_data = p ? member(*p, "binary_data") : nullptr;
      request.outputs.push_back({name->get<std::string>(), binary_data && *binary_data == true});
    }
  }
  return request;
}

EncodedResponse encode_infer_response(const InferenceResponse& response) {
  json doc = {{"model_name", response.model}, {"model_version", response.version}};
  if (!response.id.empty()) doc["id"] = response.id;
  json outputs = json::array();
  std::string binary;
  for (const OutputTensor& out : response.outputs) {
    const Tensor& t = out.tensor;
    json o = {
        {"name", out.name}, {"datatype", datatype_name(t.element_type())}, {"shape", t.shape()}};
    if (out.binary || raw_only(t.element_type())) {
      o["parameters"] = {{"binary_data_size", t.byte_size()}};
      binary.append(static_cast<const char*>(t.data()), t.byte_size());
    } else {
      o["data"] = encode_numbers(t);
    }
    outputs.push_back(std::move(o));
  }
  doc["outputs"] = std::move(outputs);
  EncodedResponse encoded{doc.dump(-1, ' ', false, json::error_handler_t::replace), std::nullopt};
  if (!binary.empty() || std::any_of(response.outputs.begin(), response.outputs.end(),
                                     [](const OutputTensor& o) { return o.binary; })) {
    encoded.header_length = encoded.body.size();
    encoded.body += binary;
  }
  return encoded;
}

std::string error_body(const std::string& message) {
  return json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace zenith::serve
