// KServe v2's REST encoding: JSON data flat or nested, the binary tensor data extension both
// ways, and the errors a malformed body gets (each naming the input concerned).
#include "serve/rest_codec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>

namespace zenith::serve {
namespace {

std::string decode_error(const std::string& body, std::optional<size_t> header = std::nullopt) {
  try {
    decode_infer_request(body, header, "m", "");
  } catch (const RequestError& e) {
    EXPECT_EQ(e.status(), Status::invalid_argument);
    return e.what();
  }
  return "(no error)";
}

TEST(RestCodec, DecodesNestedJsonDataAndParameters) {
  const std::string body = R"({"id": "r7", "parameters": {"timeout_us": 2500},
      "inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [[1, 2.5], [3, 4]]},
                 {"name": "k", "shape": [1], "datatype": "INT64", "data": [-9]}],
      "outputs": [{"name": "y", "parameters": {"binary_data": true}}]})";
  const InferenceRequest r = decode_infer_request(body, std::nullopt, "m", "3");
  EXPECT_EQ(r.id, "r7");
  EXPECT_EQ(r.version, "3");
  EXPECT_EQ(r.timeout_us, 2500);
  ASSERT_EQ(r.inputs.size(), 2u);
  EXPECT_EQ(r.inputs[0].shape, (Shape{2, 2}));
  ASSERT_EQ(r.inputs[0].bytes, 16u);
  const float* x = static_cast<const float*>(r.inputs[0].data);
  EXPECT_EQ(x[1], 2.5f);
  EXPECT_EQ(x[3], 4.0f);
  EXPECT_EQ(r.inputs[1].type, ElementType::i64);
  EXPECT_EQ(*static_cast<const int64_t*>(r.inputs[1].data), -9);
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_TRUE(r.outputs[0].binary);
}

TEST(RestCodec, BinaryInputsViewTheBodyInOrderOrCopyWhenMisaligned) {
  for (const size_t padding : {0, 1, 2, 3}) {
    std::string header = R"({"inputs": [
      {"name": "a", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}},
      {"name": "b", "shape": [1], "datatype": "FP16", "parameters": {"binary_data_size": 2}}]})";
    header += std::string(padding, ' ');
    std::string body = header;
    const float a[2] = {1.5f, -2.0f};
    body.append(reinterpret_cast<const char*>(a), sizeof a);
    body.append("\x00\x3c", 2);  // 1.0 in FP16
    const InferenceRequest r = decode_infer_request(body, header.size(), "m", "");
    ASSERT_EQ(r.inputs.size(), 2u);
    const void* at = body.data() + header.size();
    const bool aligned = reinterpret_cast<uintptr_t>(at) % alignof(float) == 0;
    // Aligned data is a view into the body, not a copy; misaligned data a copy, aligned.
    EXPECT_EQ(r.inputs[0].data == at, aligned) << padding;
    ASSERT_EQ(reinterpret_cast<uintptr_t>(r.inputs[0].data) % alignof(float), 0u) << padding;
    EXPECT_EQ(static_cast<const float*>(r.inputs[0].data)[1], -2.0f);
    EXPECT_EQ(r.inputs[1].bytes, 2u);
    EXPECT_EQ(r.inputs[1].type, ElementType::f16);
  }
}

TEST(RestCodec, MalformedBodiesSayWhatIsWrongAndWhere) {
  EXPECT_NE(decode_error("{oops").find("not a JSON object"), std::string::npos);
  // 100,000 levels once overflowed the stack (parsing, and the error message's dump()).
  const std::string deep = R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": )" +
                           std::string(100000, '[') + std::string(100000, ']') + "}]}";
  EXPECT_NE(decode_error(deep).find("nests deeper than 64"), std::string::npos);
  EXPECT_NE(decode_error(R"({"inputs": []})").find("non-empty list"), std::string::npos);
  const std::string shape = decode_error(
      R"({"inputs": [{"name": "x", "shape": [2, -1], "datatype": "FP32", "data": [1]}]})");
  EXPECT_NE(shape.find("inputs[0] 'x'"), std::string::npos) << shape;
  const std::string type =
      decode_error(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP33", "data": [1]}]})");
  EXPECT_NE(type.find("\"FP33\""), std::string::npos) << type;
  const std::string values = decode_error(
      R"({"inputs": [{"name": "x", "shape": [2], "datatype": "INT32", "data": [1, "two"]}]})");
  EXPECT_NE(values.find("must be INT32 values"), std::string::npos) << values;
  // An integer the datatype cannot hold is refused, not wrapped.
  for (
      const char* body :
      {R"({"inputs": [{"name": "x", "shape": [2], "datatype": "INT8", "data": [1, 300]}]})",
       R"({"inputs": [{"name": "x", "shape": [1], "datatype": "UINT32", "data": [-1]}]})",
       R"({"inputs": [{"name": "x", "shape": [1], "datatype": "INT64", "data": [18446744073709551615]}]})"}) {
    const std::string range = decode_error(body);
    EXPECT_NE(range.find("values"), std::string::npos) << range;
  }
  const std::string half =
      decode_error(R"({"inputs": [{"name": "x", "shape": [1], "datatype": "FP16", "data": [1]}]})");
  EXPECT_NE(half.find("binary data only"), std::string::npos) << half;
  const std::string header = R"({"inputs": [{"name": "x", "shape": [4], "datatype": "FP32",
      "parameters": {"binary_data_size": 16}}]})";
  const std::string short_body = decode_error(header + std::string(8, '\0'), header.size());
  EXPECT_NE(short_body.find("only 8 bytes of binary data are left"), std::string::npos)
      << short_body;
  EXPECT_NE(decode_error(header + std::string(20, '\0'), header.size()).find("no input claims"),
            std::string::npos);
  EXPECT_NE(decode_error(header, header.size() + 1).find("exceeds the body"), std::string::npos);
}

TEST(RestCodec, EncodesJsonOrBinaryOutputs) {
  Tensor y(ElementType::f32, {1, 2});
  y.data<float>()[0] = 0.25f;
  y.data<float>()[1] = -1.0f;
  InferenceResponse response{"m", "1", "id9", {{"y", y, false}}};
  EncodedResponse json_only = encode_infer_response(response);
  EXPECT_FALSE(json_only.header_length);
  const auto doc = nlohmann::json::parse(json_only.body);
  EXPECT_EQ(doc["id"], "id9");
  EXPECT_EQ(doc["outputs"][0]["shape"], nlohmann::json::array({1, 2}));
  EXPECT_EQ(doc["outputs"][0]["data"][1], -1.0);
  response.outputs[0].binary = true;
  const EncodedResponse binary = encode_infer_response(response);
  ASSERT_TRUE(binary.header_length);
  const auto header = nlohmann::json::parse(binary.body.substr(0, *binary.header_length));
  EXPECT_EQ(header["outputs"][0]["parameters"]["binary_data_size"], 8);
  ASSERT_EQ(binary.body.size(), *binary.header_length + 8);
  float back[2];
  std::memcpy(back, binary.body.data() + *binary.header_length, 8);
  EXPECT_EQ(back[0], 0.25f);
}

}  // namespace
}  // namespace zenith::serve
