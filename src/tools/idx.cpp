// IDX reading through zlib's gz* functions, which read gzipped and plain files alike.
#include "tools/idx.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <string_view>

#include "ir/errors.h"

namespace zenith::tools {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;
// Fashion-MNIST's training images are 47 MB; a header claiming more than this is garbage.
constexpr uint64_t kMaxDataBytes = uint64_t{1} << 32;
constexpr size_t kChunkBytes = size_t{1} << 20;

struct GzClose {
  void operator()(gzFile file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<gzFile_s, GzClose>;

// Reads up to `size` bytes, fewer only at the end of the data.
size_t read_up_to(gzFile file, uint8_t* dst, size_t size, const std::string& name) {
  size_t done = 0;
  while (done < size) {
    const int n =
        gzread(file, dst + done, static_cast<unsigned>(std::min(size - done, kChunkBytes)));
    int code = Z_OK;
    std::string_view message = gzerror(file, &code);
    // Z_BUF_ERROR is zlib's "unexpected end of file": a gzip stream cut short.
    if (n < 0 || (code != Z_OK && code != Z_STREAM_END)) {
      // zlib starts its message with the path, which ours already does.
      if (message.starts_with(name + ": ")) message.remove_prefix(name.size() + 2);
      throw_invalid_argument("{}: corrupt or truncated gzip data: {}", name, message);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

std::string hex(const uint8_t* bytes, size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) out += fmt::format("{}{:02X}", i ? " " : "", bytes[i]);
  return out;
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& path, uint8_t rank) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw_invalid_argument("{}: no such IDX file", name);
  GzFile file(gzopen(name.c_str(), "rb"));
  if (!file) throw_invalid_argument("{}: cannot open the IDX file for reading", name);

  uint8_t magic[4];
  const size_t got = read_up_to(file.get(), magic, sizeof magic, name);
  if (got < sizeof magic || magic[0] != 0 || magic[1] != 0)
    throw_invalid_argument(
        "{}: not an IDX file: it starts with {}, but IDX files start with 00 00, the element type "
        "and the number of dims",
        name, got ? hex(magic, got) : "nothing");
  if (magic[2] != kUnsignedByte)
    throw_invalid_argument(
        "{}: IDX element type 0x{:02X} is not supported; expected 0x08 (unsigned byte)", name,
        magic[2]);
  if (magic[3] != rank)
    throw_invalid_argument("{}: the IDX array has {} dims, expected {}", name, magic[3], rank);

  IdxArray array;
  std::vector<uint8_t> header(size_t{4} * rank);
  if (read_up_to(file.get(), header.data(), header.size(), name) < header.size())
    throw_invalid_argument("{}: truncated IDX file: it ends inside the {} dims", name, rank);
  for (uint8_t d = 0; d < rank; ++d) {
    const uint8_t* b = header.data() + 4 * d;
    array.dims.push_back(uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3]);
  }
  const bool empty = std::find(array.dims.begin(), array.dims.end(), 0u) != array.dims.end();
  uint64_t expected = empty ? 0 : 1;
  for (size_t d = 0; d < array.dims.size() && expected > 0; ++d) {
    // expected is at most 2^32 and a dim below 2^32, so the product fits in 64 bits.
    expected *= array.dims[d];
    if (expected > kMaxDataBytes)
      throw_invalid_argument("{}: the IDX dims [{}] need more than the limit of {} bytes", name,
                             fmt::join(array.dims, ","), kMaxDataBytes);
  }

  array.data.resize(std::min<uint64_t>(expected, kChunkBytes));
  size_t held = 0;
  while (true) {
    // One byte beyond the expected size tells trailing data from the exact end.
    if (held == array.data.size())
      array.data.resize(std::min<uint64_t>(held * 2 + 1, expected + 1));
    const size_t n =
        read_up_to(file.get(), array.data.data() + held, array.data.size() - held, name);
    held += n;
    if (held < array.data.size() || held > expected) break;
  }
  if (held < expected)
    throw_invalid_argument("{}: truncated IDX file: dims [{}] need {} bytes of data, it holds {}",
                           name, fmt::join(array.dims, ","), expected, held);
  if (held > expected)
    throw_invalid_argument("{}: the IDX file has more data than the {} bytes its dims [{}] need",
                           name, expected, fmt::join(array.dims, ","));
  array.data.resize(expected);
  return array;
}

}  // namespace zenith::tools
