// NumPy .npy reading (strictly validated before any allocation) and writing.
#include "tools/npy.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "ir/errors.h"

namespace zenith::tools {
namespace {

static_assert(std::endian::native == std::endian::little, ".npy I/O assumes a little-endian host");

constexpr std::string_view kMagic = "\x93NUMPY";
// NumPy itself refuses headers above 10 kB; a generous cap keeps a hostile length from
// allocating gigabytes for the header string.
constexpr uint64_t kMaxHeaderBytes = uint64_t{1} << 20;

struct DescrCode {
  std::string_view code;
  ir::DType dtype;
};
constexpr DescrCode kDescrCodes[] = {
    {"f4", ir::DType::F32}, {"f8", ir::DType::F64}, {"f2", ir::DType::F16}, {"i1", ir::DType::I8},
    {"u1", ir::DType::U8},  {"i2", ir::DType::I16}, {"u2", ir::DType::U16}, {"i4", ir::DType::I32},
    {"u4", ir::DType::U32}, {"i8", ir::DType::I64}, {"u8", ir::DType::U64}, {"b1", ir::DType::Bool},
};

struct Header {
  ir::DType dtype = ir::DType::Undefined;
  ir::Dims dims;
};

// A strict parser for the Python dict literal of an .npy header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view what) : text_(text), what_(what) {}

  Header parse() {
    bool has_descr = false, has_order = false, has_shape = false;
    Header header;
    expect('{');
    while (!peek_is('}')) {
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        check_once(has_descr, key);
        header.dtype = dtype_of_descr(parse_string());
      } else if (key == "fortran_order") {
        check_once(has_order, key);
        if (parse_bool()) fail("fortran_order is True; only C-order arrays are supported");
      } else if (key == "shape") {
        check_once(has_shape, key);
        header.dims = parse_shape();
      } else {
        fail(fmt::format("unexpected key '{}' in the header", key));
      }
      if (!peek_is(',')) break;
      expect(',');
    }
    expect('}');
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the header dictionary");
    if (!has_descr || !has_order || !has_shape)
      fail("the header lacks one of the keys 'descr', 'fortran_order', 'shape'");
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw_invalid_argument("{}: malformed .npy file: {}", what_, message);
  }
  void check_once(bool& seen, const std::string& key) const {
    if (seen) fail(fmt::format("duplicate key '{}' in the header", key));
    seen = true;
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool peek_is(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek_is(c))
      fail(fmt::format("expected '{}' at offset {} of the header dictionary", c, pos_));
    ++pos_;
  }
  std::string parse_string() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      fail(fmt::format("expected a quoted string at offset {} of the header dictionary", pos_));
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) fail("unterminated string in the header dictionary");
    std::string s(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  bool parse_bool() {
    skip_space();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(pos_, std::strlen(word)) == word) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    fail("fortran_order must be True or False");
  }
  int64_t parse_int() {
    skip_space();
    const size_t start = pos_;
    int64_t value = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      const int digit = text_[pos_++] - '0';
      if (value > (INT64_MAX - digit) / 10) fail("a dimension in 'shape' does not fit in 64 bits");
      value = value * 10 + digit;
    }
    if (pos_ == start) fail("'shape' must be a tuple of non-negative integers");
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long literal
    return value;
  }
  ir::Dims parse_shape() {
    ir::Dims dims;
    expect('(');
    while (!peek_is(')')) {
      dims.push_back(parse_int());
      if (dims.size() > 64) fail("'shape' has more than 64 dimensions");
      if (!peek_is(',')) break;
      expect(',');
    }
    expect(')');
    return dims;
  }
  ir::DType dtype_of_descr(const std::string& descr) const {
    if (descr.size() == 3) {
      const char order = descr[0];
      const std::string_view code = std::string_view(descr).substr(1);
      for (const DescrCode& c : kDescrCodes) {
        if (c.code != code) continue;
        const bool single_byte = ir::dtype_size(c.dtype) == 1;
        if (order == '<' || (single_byte && (order == '|' || order == '>'))) return c.dtype;
        if (order == '>')
          fail(
              fmt::format("dtype '{}' is big-endian; save the array as little-endian "
                          "(e.g. arr.astype('<{}'))",
                          descr, code));
      }
    }
    fail(
        fmt::format("unsupported dtype '{}'; supported: <f4 <f8 <f2 |i1 |u1 <i2 <u2 <i4 <u4 "
                    "<i8 <u8 |b1",
                    descr));
  }

  std::string_view text_;
  std::string_view what_;
  size_t pos_ = 0;
};

uint64_t read_le(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void read_exact(std::istream& in, char* dst, size_t n, std::string_view what) {
  if (!in.read(dst, static_cast<std::streamsize>(n)))
    throw_invalid_argument("{}: read error (the file is shorter than its header says)", what);
}

ir::Tensor read_stream(std::istream& in, uint64_t file_size, std::string_view what) {
  unsigned char prefix[12];
  if (file_size < 10)
    throw_invalid_argument("{}: not a .npy file: only {} bytes, too short for the header", what,
                           file_size);
  read_exact(in, reinterpret_cast<char*>(prefix), 10, what);
  if (std::memcmp(prefix, kMagic.data(), kMagic.size()) != 0)
    throw_invalid_argument("{}: not a .npy file (bad magic; expected \\x93NUMPY)", what);
  const int major = prefix[6], minor = prefix[7];
  if (major < 1 || major > 3 || minor != 0)
    throw_invalid_argument("{}: unsupported .npy format version {}.{} (supported: 1.0, 2.0, 3.0)",
                           what, major, minor);
  const int length_bytes = major == 1 ? 2 : 4;
  const uint64_t prefix_size = 8 + length_bytes;
  if (file_size < prefix_size)
    throw_invalid_argument("{}: truncated .npy header ({} bytes)", what, file_size);
  if (length_bytes == 4) read_exact(in, reinterpret_cast<char*>(prefix + 10), 2, what);
  const uint64_t header_len = read_le(prefix + 8, length_bytes);
  if (header_len > file_size - prefix_size)
    throw_invalid_argument(
        "{}: truncated .npy file: the header length {} runs past the end of "
        "the file ({} bytes)",
        what, header_len, file_size);
  if (header_len > kMaxHeaderBytes)
    throw_invalid_argument("{}: malformed .npy file: header length {} is implausibly large", what,
                           header_len);
  std::string text(header_len, '\0');
  read_exact(in, text.data(), text.size(), what);
  const Header header = HeaderParser(text, what).parse();

  const size_t elem = ir::dtype_size(header.dtype);
  const uint64_t data_bytes = file_size - prefix_size - header_len;
  const int64_t numel = ir::checked_numel(header.dims, fmt::format("{}: array", what));
  if (static_cast<uint64_t>(numel) > data_bytes / elem || numel * elem != data_bytes)
    throw_invalid_argument(
        "{}: the shape {} of dtype {} needs {} elements of {} bytes, but the "
        "file holds {} bytes of data",
        what, ir::to_string(header.dims), ir::dtype_name(header.dtype), numel, elem, data_bytes);
  ir::Tensor tensor(header.dtype, header.dims);
  read_exact(in, reinterpret_cast<char*>(tensor.raw()), data_bytes, what);
  if (header.dtype == ir::DType::Bool) {
    // A bool must hold 0 or 1; any other byte would be undefined behaviour when read.
    for (size_t i = 0; i < data_bytes; ++i)
      tensor.raw()[i] = tensor.raw()[i] == std::byte{0} ? std::byte{0} : std::byte{1};
  }
  return tensor;
}

std::string_view descr_of(ir::DType dtype) {
  switch (dtype) {
    case ir::DType::F32:
      return "<f4";
    case ir::DType::F64:
      return "<f8";
    case ir::DType::F16:
      return "<f2";
    case ir::DType::I8:
      return "|i1";
    case ir::DType::U8:
      return "|u1";
    case ir::DType::I16:
      return "<i2";
    case ir::DType::U16:
      return "<u2";
    case ir::DType::I32:
      return "<i4";
    case ir::DType::U32:
      return "<u4";
    case ir::DType::I64:
      return "<i8";
    case ir::DType::U64:
      return "<u8";
    case ir::DType::Bool:
      return "|b1";
    default:
      break;
  }
  throw_unsupported("dtype {} cannot be stored in a .npy file; NumPy has no such dtype",
                    ir::dtype_name(dtype));
}

}  // namespace

ir::Tensor parse_npy(std::string_view bytes, std::string_view what) {
  std::istringstream in{std::string(bytes)};
  return read_stream(in, bytes.size(), what);
}

ir::Tensor read_npy(const std::filesystem::path& path) {
  const std::string what = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw_invalid_argument("{}: no such .npy file", what);
  const uint64_t size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw_invalid_argument("{}: cannot open the file for reading", what);
  return read_stream(in, size, what);
}

std::string to_npy_bytes(const ir::Tensor& tensor) {
  std::string shape;
  for (int64_t d : tensor.dims()) shape += fmt::format("{}, ", d);
  if (tensor.rank() > 1) shape.resize(shape.size() - 2);  // (3,) keeps its comma; (2, 3) does not
  if (tensor.rank() == 1) shape.pop_back();
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}",
                                   descr_of(tensor.dtype()), shape);
  // NumPy pads so the data starts 64-byte aligned, and ends the header with a newline.
  const size_t length_bytes = header.size() + 11 < 65536 ? 2 : 4;
  const size_t unpadded = 8 + length_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out(kMagic);
  out.push_back(length_bytes == 2 ? '\x01' : '\x02');
  out.push_back('\0');
  for (size_t i = 0; i < length_bytes; ++i)
    out.push_back(static_cast<char>(header.size() >> (8 * i)));
  out += header;
  out.append(reinterpret_cast<const char*>(tensor.raw()), tensor.size_bytes());
  return out;
}

void write_npy(const std::filesystem::path& path, const ir::Tensor& tensor) {
  const std::string bytes = to_npy_bytes(tensor);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())))
    throw_invalid_argument("{}: cannot write the file", path.string());
}

}  // namespace zenith::tools
