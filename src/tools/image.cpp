// JPEG (libjpeg-turbo) and PNG (libpng) decoding to RGB, bilinear resizing, and planar
// normalisation.
//
// Both libraries report errors through callbacks that must not return. Ours longjmp back to a
// read_* function that owns no C++ objects (everything lives in the caller's context), so the
// jump skips no destructors; the caller then frees the library state and throws. Throwing from
// the callbacks instead would unwind through C frames that neither expect it nor need have
// unwind tables.
#include "tools/image.h"

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "ir/errors.h"

namespace zenith::tools {
namespace {

constexpr uint8_t kJpegSignature[] = {0xFF, 0xD8, 0xFF};
constexpr uint8_t kPngSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

template <size_t N>
bool starts_with(const std::vector<uint8_t>& bytes, const uint8_t (&signature)[N]) {
  return bytes.size() >= N && std::equal(signature, signature + N, bytes.begin());
}

template <size_t N>
bool is_proper_prefix_of(const std::vector<uint8_t>& bytes, const uint8_t (&signature)[N]) {
  return bytes.size() < N && std::equal(bytes.begin(), bytes.end(), signature);
}

std::string hex_prefix(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 8); ++i)
    out += fmt::format("{}{:02X}", i ? " " : "", bytes[i]);
  return out;
}

void check_pixel_count(uint64_t width, uint64_t height, const std::string& name,
                       const char* format) {
  if (width * height > kMaxImagePixels)
    throw_invalid_argument("{}: the {} image is {}x{} pixels, more than the limit of {}", name,
                           format, width, height, kMaxImagePixels);
}

// --- JPEG ----------------------------------------------------------------------------------

struct JpegContext {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr errors;
  std::jmp_buf jump;
  bool truncated;
  char message[JMSG_LENGTH_MAX];

  // Safe on a zeroed or half-created cinfo: libjpeg frees nothing while cinfo.mem is null.
  ~JpegContext() { jpeg_destroy_decompress(&cinfo); }
};

void on_jpeg_error(j_common_ptr cinfo) {
  auto* ctx = static_cast<JpegContext*>(cinfo->client_data);
  (*cinfo->err->format_message)(cinfo, ctx->message);
  std::longjmp(ctx->jump, 1);
}

// Level -1 is a warning about corrupt data. libjpeg recovers from most by resynchronising,
// which we accept as browsers and PIL do. But when the data runs out it pads with a fake
// end-of-image marker and decodes the rest of the image as flat grey: a truncated file must
// fail instead of classifying half an image.
void on_jpeg_message(j_common_ptr cinfo, int level) {
  if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    auto* ctx = static_cast<JpegContext*>(cinfo->client_data);
    ctx->truncated = true;
    std::longjmp(ctx->jump, 1);
  }
}

// Returns false if libjpeg failed; ctx says why.
bool read_jpeg(JpegContext& ctx, const std::vector<uint8_t>& bytes, const std::string& name,
               Image& image) {
  ctx.cinfo.err = jpeg_std_error(&ctx.errors);
  ctx.errors.error_exit = on_jpeg_error;
  ctx.errors.emit_message = on_jpeg_message;
  ctx.cinfo.client_data = &ctx;
  if (setjmp(ctx.jump)) return false;
  jpeg_create_decompress(&ctx.cinfo);
  jpeg_mem_src(&ctx.cinfo, bytes.data(), bytes.size());
  jpeg_read_header(&ctx.cinfo, TRUE);
  check_pixel_count(ctx.cinfo.image_width, ctx.cinfo.image_height, name, "JPEG");
  if (ctx.cinfo.jpeg_color_space == JCS_CMYK || ctx.cinfo.jpeg_color_space == JCS_YCCK)
    throw_unsupported("{}: CMYK JPEG images are not supported; convert the image to RGB", name);
  // libjpeg-turbo converts grayscale and YCbCr to RGB itself.
  ctx.cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&ctx.cinfo);
  ZENITH_ASSERT(ctx.cinfo.output_components == 3);
  image.width = static_cast<int>(ctx.cinfo.output_width);
  image.height = static_cast<int>(ctx.cinfo.output_height);
  image.rgb.resize(size_t{ctx.cinfo.output_width} * ctx.cinfo.output_height * 3);
  while (ctx.cinfo.output_scanline < ctx.cinfo.output_height) {
    JSAMPROW row = image.rgb.data() + size_t{ctx.cinfo.output_scanline} * image.width * 3;
    jpeg_read_scanlines(&ctx.cinfo, &row, 1);
  }
  // Reads on to the end-of-image marker, so a file cut just before it fails too.
  jpeg_finish_decompress(&ctx.cinfo);
  return true;
}

Image decode_jpeg(const std::vector<uint8_t>& bytes, const std::string& name) {
  JpegContext ctx{};
  Image image;
  if (!read_jpeg(ctx, bytes, name, image)) {
    if (ctx.truncated)
      throw_invalid_argument("{}: truncated JPEG file: the data ends before the image does", name);
    throw_invalid_argument("{}: corrupt JPEG file: {}", name, ctx.message);
  }
  return image;
}

// --- PNG -----------------------------------------------------------------------------------

struct PngContext {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const std::vector<uint8_t>* bytes = nullptr;
  size_t offset = 0;
  bool truncated = false;
  char message[256] = {};
  std::vector<png_bytep> rows;

  ~PngContext() { png_destroy_read_struct(&png, &info, nullptr); }
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* ctx = static_cast<PngContext*>(png_get_error_ptr(png));
  std::snprintf(ctx->message, sizeof ctx->message, "%s", message);
  png_longjmp(png, 1);
}

// libpng warns about damaged ancillary chunks, which it skips; the pixels are still good, and
// a library should not write to stderr.
void on_png_warning(png_structp, png_const_charp) {}

void read_png_data(png_structp png, png_bytep dst, size_t size) {
  auto* ctx = static_cast<PngContext*>(png_get_io_ptr(png));
  if (size > ctx->bytes->size() - ctx->offset) {
    ctx->truncated = true;
    png_error(png, "unexpected end of data");
  }
  std::memcpy(dst, ctx->bytes->data() + ctx->offset, size);
  ctx->offset += size;
}

// Returns false if libpng failed; ctx says why.
bool read_png(PngContext& ctx, const std::string& name, Image& image) {
  if (setjmp(png_jmpbuf(ctx.png))) return false;
  png_set_read_fn(ctx.png, &ctx, read_png_data);
  png_read_info(ctx.png, ctx.info);
  const png_uint_32 width = png_get_image_width(ctx.png, ctx.info);
  const png_uint_32 height = png_get_image_height(ctx.png, ctx.info);
  check_pixel_count(width, height, name, "PNG");
  // Not png_image_finish_read (the simplified API): it composites alpha instead of dropping
  // it, and treats 16-bit data as linear light, re-encoding it to sRGB. Both would give other
  // pixels than the PIL or OpenCV pipeline a model's accuracy was measured with.
  png_set_expand(ctx.png);    // palette to RGB, gray below 8 bits to 8 bits
  png_set_strip_16(ctx.png);  // the high byte, as PIL and OpenCV keep
  png_set_strip_alpha(ctx.png);
  png_set_gray_to_rgb(ctx.png);
  png_set_interlace_handling(ctx.png);
  png_read_update_info(ctx.png, ctx.info);
  ZENITH_ASSERT(png_get_rowbytes(ctx.png, ctx.info) == size_t{width} * 3);
  image.width = static_cast<int>(width);
  image.height = static_cast<int>(height);
  image.rgb.resize(size_t{width} * height * 3);
  ctx.rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) ctx.rows[y] = image.rgb.data() + size_t{y} * width * 3;
  png_read_image(ctx.png, ctx.rows.data());
  // Reads the chunks up to IEND and checks their CRCs, so a file cut after the pixels fails too.
  png_read_end(ctx.png, nullptr);
  return true;
}

Image decode_png(const std::vector<uint8_t>& bytes, const std::string& name) {
  PngContext ctx;
  ctx.bytes = &bytes;
  ctx.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
  if (ctx.png) ctx.info = png_create_info_struct(ctx.png);
  if (!ctx.png || !ctx.info) throw_invalid_argument("{}: cannot initialise libpng", name);
  Image image;
  if (!read_png(ctx, name, image)) {
    if (ctx.truncated)
      throw_invalid_argument("{}: truncated PNG file: the data ends before the image does", name);
    throw_invalid_argument("{}: corrupt PNG file: {}", name, ctx.message);
  }
  return image;
}

// --- resize and layout ---------------------------------------------------------------------

void check_image(const Image& image, const char* what) {
  const size_t expected = size_t(std::max(image.width, 0)) * std::max(image.height, 0) * 3;
  if (image.width <= 0 || image.height <= 0 || image.rgb.size() != expected)
    throw_invalid_argument(
        "{}: the image is {}x{} and holds {} bytes; expected a non-empty image "
        "of width * height * 3 bytes",
        what, image.width, image.height, image.rgb.size());
}

// Destination pixel d samples source position (d + 0.5) * src / dst - 0.5, clamped to the
// edge pixels, as sample = src[i0] * (1 - w1) + src[i1] * w1.
struct Tap {
  int i0, i1;
  float w1;
};

std::vector<Tap> taps(int src_size, int dst_size) {
  std::vector<Tap> out(dst_size);
  const double scale = static_cast<double>(src_size) / dst_size;
  for (int d = 0; d < dst_size; ++d) {
    const double s = std::clamp((d + 0.5) * scale - 0.5, 0.0, src_size - 1.0);
    const int i0 = static_cast<int>(s);
    out[d] = {i0, std::min(i0 + 1, src_size - 1), static_cast<float>(s - i0)};
  }
  return out;
}

}  // namespace

Image decode_image(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (bytes.empty()) throw_invalid_argument("{}: the image file is empty", name);
  if (starts_with(bytes, kJpegSignature)) return decode_jpeg(bytes, name);
  if (starts_with(bytes, kPngSignature)) return decode_png(bytes, name);
  if (is_proper_prefix_of(bytes, kJpegSignature) || is_proper_prefix_of(bytes, kPngSignature))
    throw_invalid_argument("{}: truncated image file: only {} bytes", name, bytes.size());
  throw_invalid_argument(
      "{}: not a JPEG or PNG image: it starts with {}, but JPEG files start with FF D8 FF and "
      "PNG files with 89 50 4E 47 0D 0A 1A 0A",
      name, hex_prefix(bytes));
}

Image read_image(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw_invalid_argument("{}: no such image file", name);
  if (!std::filesystem::is_regular_file(path, ec))
    throw_invalid_argument("{}: not a regular file, so not an image", name);
  const uintmax_t size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) throw_invalid_argument("{}: cannot open the image file for reading", name);
  std::vector<uint8_t> bytes(size);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw_invalid_argument("{}: read error", name);
  return decode_image(bytes, name);
}

Image resize(const Image& image, int width, int height) {
  check_image(image, "resize");
  if (width <= 0 || height <= 0)
    throw_invalid_argument("resize: the target size {}x{} must be positive", width, height);
  check_pixel_count(width, height, "resize", "target");
  const std::vector<Tap> xs = taps(image.width, width);
  const std::vector<Tap> ys = taps(image.height, height);
  Image out{width, height, std::vector<uint8_t>(size_t{3} * width * height)};
  const size_t src_stride = size_t{3} * image.width;
  uint8_t* dst = out.rgb.data();
  for (const Tap& y : ys) {
    const uint8_t* row0 = image.rgb.data() + y.i0 * src_stride;
    const uint8_t* row1 = image.rgb.data() + y.i1 * src_stride;
    for (const Tap& x : xs) {
      for (int c = 0; c < 3; ++c) {
        const float p00 = row0[3 * x.i0 + c], p01 = row0[3 * x.i1 + c];
        const float p10 = row1[3 * x.i0 + c], p11 = row1[3 * x.i1 + c];
        const float top = p00 + (p01 - p00) * x.w1;
        const float bottom = p10 + (p11 - p10) * x.w1;
        // A convex mix of bytes stays within [0, 255], so rounding cannot overflow.
        *dst++ = static_cast<uint8_t>(top + (bottom - top) * y.w1 + 0.5f);
      }
    }
  }
  return out;
}

void to_planar(const Image& image, const std::array<float, 3>& mean,
               const std::array<float, 3>& scale, float* out) {
  check_image(image, "to_planar");
  for (int c = 0; c < 3; ++c)
    if (scale[c] == 0.0f) throw_invalid_argument("to_planar: scale[{}] is zero", c);
  const size_t plane = size_t{1} * image.width * image.height;
  for (int c = 0; c < 3; ++c) {
    float* dst = out + c * plane;
    for (size_t i = 0; i < plane; ++i) dst[i] = (image.rgb[3 * i + c] - mean[c]) / scale[c];
  }
}

}  // namespace zenith::tools
