// One row per op whose older ONNX versions Zenith accepts, sorted by (domain, op_type).
#include "frontend/onnx/converter_list.h"

#include <array>

namespace zenith::onnx_frontend {

std::span<const Converter> converter_table() {
  static constexpr std::array kConverters = {
      Converter{"", "Add", 7, nullptr},
      Converter{"", "Conv", 1, nullptr},
      Converter{"", "Gemm", 11, nullptr},
      Converter{"", "MaxPool", 8, nullptr},
      Converter{"", "Relu", 6, nullptr},
  };
  return kConverters;
}

}  // namespace zenith::onnx_frontend
