// The request types' functions: views that kernels can read as typed arrays, outputs asked for,
// runs on the streams' threads.
#include "serve/inference.h"

#include <algorithm>
#include <cstdint>

namespace zenith::serve {

void set_data(InferenceRequest& request, InputTensor& tensor, const void* data, size_t bytes) {
  tensor.bytes = bytes;
  if (reinterpret_cast<uintptr_t>(data) % element_size(tensor.type) == 0) {
    tensor.data = data;
    return;
  }
  const auto* begin = static_cast<const unsigned char*>(data);
  tensor.data = request.storage.emplace_back(begin, begin + bytes).data();
}

void run_on_stream(InferRequest& request) {
  request.start_async();
  request.wait();
}

std::optional<bool> wanted_output(const InferenceRequest& request, const std::string& name) {
  if (request.outputs.empty()) return request.binary_outputs;
  const auto asked = std::find_if(request.outputs.begin(), request.outputs.end(),
                                  [&](const RequestedOutput& o) { return o.name == name; });
  if (asked == request.outputs.end()) return std::nullopt;
  return request.binary_outputs || asked->binary;
}

}  // namespace zenith::serve
