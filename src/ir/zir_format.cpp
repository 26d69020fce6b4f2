// Encoding and checking the fixed prefix of a .zir file.
#include "ir/zir_format.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "ir/errors.h"
#include "ir/xxhash64.h"
#include "ir/zir.h"

namespace zenith::ir::zir {
namespace {

static_assert(std::endian::native == std::endian::little, ".zir integers are little-endian");

constexpr size_t kVersionAt = 8;
constexpr size_t kProducerAt = 12;
constexpr size_t kHeaderLengthAt = 32;
constexpr size_t kHeaderChecksumAt = 40;
constexpr size_t kBlobOffsetAt = 48;
constexpr size_t kBlobLengthAt = 56;

template <typename T>
T load(std::span<const std::byte> file, size_t at) {
  T v;
  std::memcpy(&v, file.data() + at, sizeof v);
  return v;
}

template <typename T>
void store(std::array<std::byte, kPrefixBytes>& out, size_t at, T v) {
  std::memcpy(out.data() + at, &v, sizeof v);
}

// The producer field: printable ASCII, then NUL padding. Anything else is corruption.
std::string decode_producer(std::span<const std::byte> file, std::string_view name) {
  const auto* p = reinterpret_cast<const unsigned char*>(file.data() + kProducerAt);
  const size_t length = std::find(p, p + kProducerBytes, 0) - p;
  for (size_t i = 0; i < kProducerBytes; ++i)
    if (i < length ? (p[i] < 0x20 || p[i] > 0x7e) : p[i] != 0)
      throw_invalid_model(
          "{}: prefix: the producer field is not printable ASCII padded with NUL bytes (byte {} is "
          "{:#04x})",
          name, kProducerAt + i, p[i]);
  return std::string(reinterpret_cast<const char*>(p), length);
}

}  // namespace

std::array<std::byte, kPrefixBytes> encode_prefix(const Prefix& prefix) {
  std::array<std::byte, kPrefixBytes> out{};
  std::memcpy(out.data(), kMagic.data(), kMagic.size());
  store(out, kVersionAt, prefix.format_version);
  std::memcpy(out.data() + kProducerAt, prefix.producer.data(),
              std::min(prefix.producer.size(), kProducerBytes));
  store(out, kHeaderLengthAt, prefix.header_length);
  store(out, kHeaderChecksumAt, prefix.header_checksum);
  store(out, kBlobOffsetAt, prefix.blob_offset);
  store(out, kBlobLengthAt, prefix.blob_length);
  return out;
}

Prefix decode_prefix(std::span<const std::byte> file, std::string_view name) {
  if (file.size() < kMagic.size() || std::memcmp(file.data(), kMagic.data(), kMagic.size()) != 0)
    throw_invalid_model("{}: not a .zir file (it does not start with the .zir magic bytes)", name);
  if (file.size() < kPrefixBytes)
    throw_invalid_model(
        "{}: the file is {} bytes, shorter than the {}-byte .zir prefix (truncated?)", name,
        file.size(), kPrefixBytes);
  Prefix prefix;
  prefix.format_version = load<uint32_t>(file, kVersionAt);
  prefix.producer = decode_producer(file, name);
  if (prefix.format_version > kZirFormatVersion)
    throw_unsupported(
        "{}: .zir format version {} (written by '{}') is newer than version {}, the newest this "
        "Zenith reads; use a newer Zenith or convert the model again",
        name, prefix.format_version, prefix.producer, kZirFormatVersion);
  if (prefix.format_version == 0)
    throw_invalid_model("{}: prefix: format version 0 does not exist", name);
  prefix.header_length = load<uint64_t>(file, kHeaderLengthAt);
  prefix.header_checksum = load<uint64_t>(file, kHeaderChecksumAt);
  prefix.blob_offset = load<uint64_t>(file, kBlobOffsetAt);
  prefix.blob_length = load<uint64_t>(file, kBlobLengthAt);

  const uint64_t size = file.size();
  if (prefix.header_length > kMaxHeaderBytes)
    throw_invalid_model(
        "{}: prefix: the header is {} bytes, more than the {} MiB a .zir header may have", name,
        prefix.header_length, kMaxHeaderBytes >> 20);
  if (prefix.header_length > size - kPrefixBytes)
    throw_invalid_model(
        "{}: prefix: the header of {} bytes runs past the end of the file ({} bytes; truncated?)",
        name, prefix.header_length, size);
  const uint64_t blob_offset = align_up(kPrefixBytes + prefix.header_length);
  if (prefix.blob_offset != blob_offset)
    throw_invalid_model(
        "{}: prefix: the weight blob offset is {}, expected {} (the end of the header rounded up "
        "to {} bytes)",
        name, prefix.blob_offset, blob_offset, kAlignment);
  if (blob_offset > size || prefix.blob_length != size - blob_offset)
    throw_invalid_model(
        "{}: prefix: the weight blob of {} bytes at offset {} does not end where the file does ({} "
        "bytes; truncated?)",
        name, prefix.blob_length, blob_offset, size);
  const auto padding = file.subspan(kPrefixBytes + prefix.header_length,
                                    blob_offset - kPrefixBytes - prefix.header_length);
  if (std::any_of(padding.begin(), padding.end(), [](std::byte b) { return b != std::byte{0}; }))
    throw_invalid_model(
        "{}: prefix: the padding between the header and the weight blob is not zero", name);
  const uint64_t checksum = xxhash64(file.subspan(kPrefixBytes, prefix.header_length));
  if (checksum != prefix.header_checksum)
    throw_invalid_model(
        "{}: header: checksum {:016x} does not match the {:016x} in the prefix (the file is "
        "corrupted)",
        name, checksum, prefix.header_checksum);
  return prefix;
}

}  // namespace zenith::ir::zir
