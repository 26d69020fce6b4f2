// KServe v2's REST encoding of inference requests and responses: JSON, with the binary tensor
// data extension (a JSON header of Inference-Header-Content-Length bytes, then the tensors'
// raw bytes in order, each input's size in its "binary_data_size" parameter).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "serve/inference.h"

namespace zenith::serve {

// Decodes the body of POST v2/models/<model>[/versions/<version>]/infer. `header_length`: the
// Inference-Header-Content-Length header, if the request had one. The inputs' data views into
// `body` or into the request's storage, so `body` must outlive the request. Throws
// RequestError (invalid_argument) saying what is wrong and where: "inputs[1] 'x': ...".
InferenceRequest decode_infer_request(std::string_view body, std::optional<size_t> header_length,
                                      const std::string& model, const std::string& version);

// The response body, and the length of its JSON header when binary data follows it.
struct EncodedResponse {
  std::string body;
  std::optional<size_t> header_length;
};
EncodedResponse encode_infer_response(const InferenceResponse& response);

// {"error": "<message>"}
std::string error_body(const std::string& message);

}  // namespace zenith::serve
