// The fixed 64-byte prefix of a .zir file and the layout rules the writer and reader share
// (docs/ZIR.md, "Byte layout").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace zenith::ir::zir {

// PNG's trick: the high bit catches 7-bit transfers, CR LF and LF catch newline conversion,
// and ^Z stops `type` on DOS.
inline constexpr std::array<unsigned char, 8> kMagic = {0x89, 'Z',  'I',  'R',
                                                        '\r', '\n', 0x1a, '\n'};
inline constexpr size_t kPrefixBytes = 64;
inline constexpr size_t kProducerBytes = 20;
// The blob starts at a multiple of 64 in the file and every constant at a multiple of 64 in the
// blob; mappings start on a page, so constants are as aligned as allocated tensors.
inline constexpr uint64_t kAlignment = 64;
// The parsed JSON takes up to about 20 times the header's size in memory, so a hostile header
// must not be as large as the file allows. ResNet-50's is 53 KB.
inline constexpr uint64_t kMaxHeaderBytes = uint64_t{256} << 20;

struct Prefix {
  uint32_t format_version = 0;
  std::string producer;  // printable ASCII, at most kProducerBytes
  uint64_t header_length = 0;
  uint64_t header_checksum = 0;
  uint64_t blob_offset = 0;
  uint64_t blob_length = 0;
};

// Rounds up to a multiple of kAlignment. REQUIRES: n <= UINT64_MAX - kAlignment.
inline uint64_t align_up(uint64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

std::array<std::byte, kPrefixBytes> encode_prefix(const Prefix& prefix);

// Checks the magic, the version and that the header and blob lie inside a file of
// `file.size()` bytes, exactly as the writer lays them out. Throws InvalidModel (Unsupported
// for a newer format version) naming `name`.
Prefix decode_prefix(std::span<const std::byte> file, std::string_view name);

}  // namespace zenith::ir::zir
