// Seeded random input tensors for `zenith run` when the user gives no data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/shape.h"
#include "ir/tensor.h"

namespace zenith::tools {

// Concrete dims for a declared shape: every symbolic or unknown dimension becomes 1, and for
// each one a note such as "dimension 0 'batch' set to 1" is appended to `notes`.
ir::Dims concrete_dims(const ir::Shape& shape, std::vector<std::string>& notes);

// A tensor of `dtype` and `dims` with values that depend only on `seed` and `name` (so one
// input's data does not change when another is given from a file): floats uniform in [-1, 1),
// integers uniform in [0, 9] (safe as indices), bools 0 or 1, strings empty.
// Throws InvalidArgument naming `name` if the tensor is too large to allocate.
ir::Tensor random_tensor(ir::DType dtype, const ir::Dims& dims, uint64_t seed,
                         std::string_view name);

}  // namespace zenith::tools
