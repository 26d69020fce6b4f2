// Reading the constant table of a .zir header against its weight blob.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ir/tensor.h"
#include "ir/zir_json.h"

namespace zenith::ir::zir {

// Checks each entry (dtype, stored dtype, dims, offset, length, alignment, no overlap with the
// previous entry, checksum and, for strings and bools, the bytes themselves) and makes its tensor:
// a view into `blob`, which `owner` keeps alive, or a decoded copy for f16-stored and string
// constants. Throws InvalidModel naming `file` and the constant.
std::vector<Tensor> decode_constants(const JsonField& table, std::span<const std::byte> blob,
                                     const std::shared_ptr<const void>& owner,
                                     std::string_view file);

}  // namespace zenith::ir::zir
