// Read-only file mappings (POSIX implementation in mapped_file_posix.cpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

namespace zenith::ir {

struct MappedFile {
  std::span<const std::byte> bytes;
  std::shared_ptr<const void> owner;  // the mapping is unmapped when the last copy dies
};

// Maps the whole file private and read-only; an empty file gives an empty span. Throws
// InvalidArgument naming the file if it does not exist or cannot be opened or mapped.
MappedFile map_file(const std::filesystem::path& path);

}  // namespace zenith::ir
