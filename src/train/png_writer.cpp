// PNG by hand: signature, IHDR, one IDAT of the zlib-compressed rows (each with filter byte 0:
// a plot is mostly flat colour, which deflate compresses well unfiltered), IEND; the chunk CRCs
// and the compression are zlib's.
#include "train/png_writer.h"

#include <zlib.h>

#include <fstream>

#include "ir/errors.h"

namespace zenith::train {
namespace {

void put_big_endian(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

// A chunk: length, type, data, and the CRC-32 of type and data.
void put_chunk(std::string& out, const char (&type)[5], const std::string& data) {
  put_big_endian(out, static_cast<uint32_t>(data.size()));
  const size_t type_at = out.size();
  out.append(type, 4);
  out += data;
  const auto* crc_from = reinterpret_cast<const Bytef*>(out.data() + type_at);
  put_big_endian(out,
                 static_cast<uint32_t>(crc32(0L, crc_from, static_cast<uInt>(4 + data.size()))));
}

std::string compressed_rows(const Canvas& canvas) {
  const size_t row_bytes = static_cast<size_t>(canvas.width()) * 3;
  std::string raw;
  raw.reserve((row_bytes + 1) * static_cast<size_t>(canvas.height()));
  const auto* pixels = reinterpret_cast<const char*>(canvas.pixels().data());
  for (int y = 0; y < canvas.height(); ++y) {
    raw.push_back(0);  // filter type None
    raw.append(pixels + static_cast<size_t>(y) * row_bytes, row_bytes);
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string out(size, '\0');
  const int status = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                               reinterpret_cast<const Bytef*>(raw.data()),
                               static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
  ZENITH_ASSERT(status == Z_OK);
  out.resize(size);
  return out;
}

}  // namespace

void write_png(const std::string& path, const Canvas& canvas) {
  std::string file = "\x89PNG\r\n\x1a\n";
  std::string header;
  put_big_endian(header, static_cast<uint32_t>(canvas.width()));
  put_big_endian(header, static_cast<uint32_t>(canvas.height()));
  header +=
      std::string{8, 2, 0, 0, 0};  // bit depth 8, colour type RGB, deflate, filter 0, no interlace
  put_chunk(file, "IHDR", header);
  put_chunk(file, "IDAT", compressed_rows(canvas));
  put_chunk(file, "IEND", "");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(file.data(), static_cast<std::streamsize>(file.size()));
  out.close();
  if (!out) throw_invalid_argument("{}: cannot write the PNG file", path);
}

}  // namespace zenith::train
