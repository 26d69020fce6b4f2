// The request types' one function: views that kernels can read as typed arrays.
#include "serve/inference.h"

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

}  // namespace zenith::serve
