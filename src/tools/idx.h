// Reading IDX files, the format of the MNIST and Fashion-MNIST datasets, plain or gzipped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace zenith::tools {

// An IDX array of unsigned bytes: its dims, outermost first, and the row-major data.
struct IdxArray {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> data;
};

// Reads `path`, gzipped or not (recognised by content). IDX is a magic 00 00 08 R (R dims of
// unsigned bytes), R big-endian u32 dims, then exactly their product of bytes. Throws
// InvalidArgument naming the file for a missing or unreadable file, a corrupt gzip stream, a
// bad magic, another element type, other than `rank` dims, and data shorter or longer than the
// dims say. Memory grows with the data actually read, never with what a header claims.
IdxArray read_idx(const std::filesystem::path& path, uint8_t rank);

}  // namespace zenith::tools
