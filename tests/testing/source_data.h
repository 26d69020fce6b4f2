// The test data kept in the source tree (test targets define ZENITH_SOURCE_DIR).
#pragma once

#include <filesystem>

namespace zenith::testing {

// Small ONNX models and tensors that the tools' and the API's tests share.
inline const std::filesystem::path kToolsData =
    std::filesystem::path(ZENITH_SOURCE_DIR) / "tests/tools/data";

}  // namespace zenith::testing
