// The .zir model file: a graph and its constants in one file whose weights are mmapped on
// load. The byte layout is specified in docs/ZIR.md.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace zenith::ir {

inline constexpr uint32_t kZirFormatVersion = 1;

struct ZirOptions {
  // Store f32 constants of at least kZirMinCompressedElements elements as f16 (values that
  // would overflow f16 keep their tensor f32); the reader widens them back to f32.
  bool compress_fp16 = false;
  // Constants that stay f32 under compress_fp16: initializers by value name, attribute tensors
  // as "node:attribute" (the names write_zir gives them in the constant table).
  std::set<std::string> keep_f32;
  std::vector<std::string> passes;              // provenance: the passes the graph went through
  std::map<std::string, std::string> metadata;  // free-form, kept verbatim
};

// Smaller f32 tensors are more often parameters (scales, epsilons, shapes) than weights, and
// halving them saves nothing worth changing what the model computes.
inline constexpr int64_t kZirMinCompressedElements = 1024;

// What a .zir file says about where it came from.
struct ZirInfo {
  uint32_t format_version = 0;
  std::string producer;     // "zenith 0.1.0"
  std::string compression;  // "none" or "fp16"
  std::vector<std::string> passes;
  std::map<std::string, std::string> metadata;
};

// What write_zir stored.
struct ZirSummary {
  size_t constants = 0;
  size_t compressed = 0;       // stored as f16
  size_t kept_f32 = 0;         // could have been f16: in keep_f32, or a value would overflow
  uint64_t file_bytes = 0;
};

// Whether compress_fp16 stores this constant as f16 unless asked to keep it, or it overflows.
bool fp16_candidate(const Tensor& tensor);

// Writes `graph` to `path` through a temporary file in the same folder that is renamed over
// `path` at the end, so a process that has the old file mapped keeps reading the old bytes.
// Throws InvalidArgument for a graph the format cannot hold (an undefined tensor, a name that
// is not UTF-8, a header over 256 MiB) or a file that cannot be written.
ZirSummary write_zir(const Graph& graph, const std::filesystem::path& path,
                     const ZirOptions& options = {});

// Maps the file read-only and returns its graph. Uncompressed constants are views into the
// mapping, which stays mapped while any of them lives; writing to them faults. Every offset,
// length, dtype, shape and checksum is checked first: a truncated, corrupted or hostile file is
// an InvalidModel error (Unsupported for a newer format version), never a crash. A missing or
// unreadable file is InvalidArgument.
Graph read_zir(const std::filesystem::path& path, ZirInfo* info = nullptr);

// The header only: where the file came from, its passes and metadata (what `zenith convert`
// recorded, such as "precision"), checked as read_zir checks it, without its constants.
ZirInfo read_zir_info(const std::filesystem::path& path);

// read_zir on bytes already in memory: constants are views into `file`, kept alive by
// `owner`; `name` stands for the file in messages. REQUIRES: file.data() is 64-byte aligned
// (else InvalidArgument), so that views are as aligned as any tensor.
Graph parse_zir(std::span<const std::byte> file, std::string_view name,
                std::shared_ptr<const void> owner, ZirInfo* info = nullptr);

// Whether the file starts with the .zir magic; false when it cannot be read.
bool has_zir_magic(const std::filesystem::path& path);

}  // namespace zenith::ir
