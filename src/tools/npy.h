// Reading and writing NumPy .npy files (format 1.0, 2.0 and 3.0, little-endian, C order).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "ir/tensor.h"

namespace zenith::tools {

// Reads the array in `path`. Throws InvalidArgument naming the file and the defect for a
// malformed header, an unsupported dtype (big-endian, object, ...), Fortran order, or a shape
// that disagrees with the file size; the tensor is allocated only after that check.
ir::Tensor read_npy(const std::filesystem::path& path);

// Parses .npy bytes held in memory; `what` names them in error messages.
ir::Tensor parse_npy(std::string_view bytes, std::string_view what);

// Writes `tensor` as a version 1.0 file (2.0 when the header needs it). Throws Unsupported for
// dtypes NumPy has no .npy code for (bf16, string), InvalidArgument if the file cannot be written.
void write_npy(const std::filesystem::path& path, const ir::Tensor& tensor);

// The .npy bytes for `tensor`.
std::string to_npy_bytes(const ir::Tensor& tensor);

}  // namespace zenith::tools
