// KServe v2's gRPC messages to and from serve/inference.h's protocol-neutral request and
// response. Inputs arrive either as raw_input_contents (one packed byte string per input) or
// as typed contents; a response answers in the form the request used (FP16 and BF16 always
// raw).
#pragma once

#include "grpc_predict_v2.pb.h"
#include "serve/inference.h"

namespace zenith::serve {

// The inputs' data views into `message` (raw contents) or into the request's storage (typed
// contents), so `message` must outlive the request. Throws RequestError (invalid_argument).
InferenceRequest decode_infer_request(const inference::ModelInferRequest& message);

void encode_infer_response(const InferenceResponse& response, bool raw,
                           inference::ModelInferResponse& message);

}  // namespace zenith::serve
