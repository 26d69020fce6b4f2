// Image loading: JPEG and PNG decoding of in-memory encoded patterns, every kind of bad input
// as a clear error, bilinear resize arithmetic, and the planar float layout.
#include "tools/image.h"

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <png.h>
#include <zlib.h>

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "testing/image_files.h"
#include "zenith/error.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;
using testing::encode_jpeg;

// --- encoders for test input ---------------------------------------------------------------

struct PngSpec {
  int width = 0, height = 0;
  int color_type = PNG_COLOR_TYPE_RGB;
  int bit_depth = 8;
  bool interlaced = false;
  std::vector<png_color> palette = {};
  std::vector<uint8_t> transparency = {};  // tRNS alpha per palette entry
};

void append_png_bytes(png_structp png, png_bytep data, size_t size) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + size);
}

// `rows` holds the rows in PNG's own packing: 16-bit samples big-endian, sub-byte samples
// packed from the most significant bit.
std::vector<uint8_t> encode_png(const PngSpec& spec, const std::vector<uint8_t>& rows) {
  std::vector<uint8_t> out;
  std::vector<png_bytep> row_pointers;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    ADD_FAILURE() << "the test's PNG encoder failed";
    return {};
  }
  png_set_write_fn(png, &out, append_png_bytes, nullptr);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty())
    png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  if (!spec.transparency.empty())
    png_set_tRNS(png, info, spec.transparency.data(), static_cast<int>(spec.transparency.size()),
                 nullptr);
  png_write_info(png, info);
  const size_t stride = rows.size() / spec.height;
  for (int y = 0; y < spec.height; ++y)
    row_pointers.push_back(const_cast<uint8_t*>(rows.data()) + y * stride);
  png_write_image(png, row_pointers.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

// A smooth RGB pattern that JPEG at quality 100 reproduces closely.
std::vector<uint8_t> gradient(int width, int height, int components) {
  std::vector<uint8_t> pixels;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < components; ++c)
        pixels.push_back(static_cast<uint8_t>(c == 0   ? 40 + 5 * x
                                              : c == 1 ? 200 - 4 * y
                                                       : 90 + x + y));
  return pixels;
}

std::vector<uint8_t> gray_to_rgb(const std::vector<uint8_t>& gray) {
  std::vector<uint8_t> rgb;
  for (uint8_t g : gray) rgb.insert(rgb.end(), {g, g, g});
  return rgb;
}

double mean_abs_error(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum / a.size();
}

std::vector<uint8_t> small_jpeg() { return encode_jpeg(16, 8, 3, gradient(16, 8, 3)); }
std::vector<uint8_t> small_png() {
  return encode_png({.width = 6, .height = 4}, gradient(6, 4, 3));
}

// --- decoding --------------------------------------------------------------------------------

TEST(ImageJpeg, DecodesRgbWithinTolerance) {
  for (auto [w, h] : {std::pair{1, 1}, {17, 5}, {32, 24}}) {
    for (bool progressive : {false, true}) {
      const Image image =
          decode_image(encode_jpeg(w, h, 3, gradient(w, h, 3), progressive), "g.jpg");
      ASSERT_EQ(image.width, w);
      ASSERT_EQ(image.height, h);
      ASSERT_EQ(image.rgb.size(), size_t(w * h * 3));
      EXPECT_LT(mean_abs_error(image.rgb, gradient(w, h, 3)), 3.0) << w << "x" << h;
    }
  }
}

TEST(ImageJpeg, ReplicatesGrayscale) {
  const std::vector<uint8_t> gray = gradient(20, 10, 1);
  const Image image = decode_image(encode_jpeg(20, 10, 1, gray), "gray.jpg");
  ASSERT_EQ(image.rgb.size(), gray.size() * 3);
  for (size_t i = 0; i < gray.size(); ++i) {
    EXPECT_EQ(image.rgb[3 * i], image.rgb[3 * i + 1]);
    EXPECT_EQ(image.rgb[3 * i], image.rgb[3 * i + 2]);
  }
  EXPECT_LT(mean_abs_error(image.rgb, gray_to_rgb(gray)), 3.0);
}

TEST(ImageJpeg, RefusesCmykAsUnsupported) {
  try {
    decode_image(encode_jpeg(8, 8, 4, gradient(8, 8, 4)), "cmyk.jpg");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("cmyk.jpg: CMYK"), std::string::npos) << e.what();
  }
}

TEST(ImagePng, DecodesRgbExactly) {
  for (bool interlaced : {false, true}) {
    const std::vector<uint8_t> rgb = gradient(13, 7, 3);
    const Image image = decode_image(
        encode_png({.width = 13, .height = 7, .interlaced = interlaced}, rgb), "a.png");
    EXPECT_EQ(image.width, 13);
    EXPECT_EQ(image.height, 7);
    EXPECT_EQ(image.rgb, rgb) << "interlaced " << interlaced;
  }
}

TEST(ImagePng, DropsAlphaWithoutCompositing) {
  const std::vector<uint8_t> rgb = gradient(5, 3, 3);
  std::vector<uint8_t> rgba;
  for (size_t i = 0; i < rgb.size(); i += 3)
    rgba.insert(rgba.end(), {rgb[i], rgb[i + 1], rgb[i + 2], static_cast<uint8_t>(i * 7)});
  const Image image = decode_image(
      encode_png({.width = 5, .height = 3, .color_type = PNG_COLOR_TYPE_RGBA}, rgba), "a.png");
  EXPECT_EQ(image.rgb, rgb);
}

TEST(ImagePng, ReplicatesGrayscale) {
  const std::vector<uint8_t> gray = gradient(9, 4, 1);
  const Image image = decode_image(
      encode_png({.width = 9, .height = 4, .color_type = PNG_COLOR_TYPE_GRAY}, gray), "g.png");
  EXPECT_EQ(image.rgb, gray_to_rgb(gray));
}

TEST(ImagePng, ExpandsOneBitGrayToFullRange) {
  // Row 0 is 1,0,1,1,0 (packed from the high bit: 1011 0000); row 1 is all 0.
  const Image image = decode_image(
      encode_png({.width = 5, .height = 2, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 1},
                 {0xB0, 0x00}),
      "bits.png");
  EXPECT_EQ(image.rgb, gray_to_rgb({255, 0, 255, 255, 0, 0, 0, 0, 0, 0}));
}

TEST(ImagePng, ReducesSixteenBitToTheHighByte) {
  // Gray samples 0x1234, 0xABFF, 0x00FF, 0xFF00 -> 0x12, 0xAB, 0x00, 0xFF.
  const std::vector<uint8_t> gray16 = {0x12, 0x34, 0xAB, 0xFF, 0x00, 0xFF, 0xFF, 0x00};
  const Image gray = decode_image(
      encode_png({.width = 2, .height = 2, .color_type = PNG_COLOR_TYPE_GRAY, .bit_depth = 16},
                 gray16),
      "g16.png");
  EXPECT_EQ(gray.rgb, gray_to_rgb({0x12, 0xAB, 0x00, 0xFF}));
  // One RGBA pixel (0x0102, 0x8081, 0xFEFF, alpha 0x0000).
  const Image rgba = decode_image(
      encode_png({.width = 1, .height = 1, .color_type = PNG_COLOR_TYPE_RGBA, .bit_depth = 16},
                 {0x01, 0x02, 0x80, 0x81, 0xFE, 0xFF, 0x00, 0x00}),
      "rgba16.png");
  EXPECT_EQ(rgba.rgb, (std::vector<uint8_t>{0x01, 0x80, 0xFE}));
}

TEST(ImagePng, ExpandsPaletteIgnoringTransparency) {
  const PngSpec spec{.width = 3,
                     .height = 2,
                     .color_type = PNG_COLOR_TYPE_PALETTE,
                     .palette = {{10, 20, 30}, {200, 100, 0}, {1, 2, 3}},
                     .transparency = {0, 128}};
  const Image image = decode_image(encode_png(spec, {0, 1, 2, 2, 1, 0}), "p.png");
  EXPECT_EQ(image.rgb, (std::vector<uint8_t>{10, 20, 30, 200, 100, 0, 1, 2, 3,  //
                                             1, 2, 3, 200, 100, 0, 10, 20, 30}));
}

// --- bad input -------------------------------------------------------------------------------

// Decodes `bytes` expecting an InvalidArgument error that names the file and contains `reason`.
void expect_error(const std::vector<uint8_t>& bytes, const std::string& reason,
                  const std::string& name = "bad.img") {
  try {
    decode_image(bytes, name);
    ADD_FAILURE() << "no error; expected one containing: " << reason;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument) << e.what();
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(name + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(reason), std::string::npos) << message;
  }
}

std::vector<uint8_t> prefix(const std::vector<uint8_t>& bytes, size_t size) {
  return {bytes.begin(), bytes.begin() + size};
}

TEST(ImageErrors, EmptyAndUnknownData) {
  expect_error({}, "empty");
  expect_error({'G', 'I', 'F', '8', '9', 'a', 1, 0},
               "not a JPEG or PNG image: it starts with 47 49");
  expect_error({'G', 'I', 'F'}, "JPEG files start with FF D8 FF and PNG files with 89 50 4E 47");
  std::mt19937 rng(7);
  std::vector<uint8_t> noise(1000);
  for (uint8_t& b : noise) b = static_cast<uint8_t>(rng());
  noise[0] = 0x00;  // so that no seed can make it start with a signature
  expect_error(noise, "not a JPEG or PNG image");
}

TEST(ImageErrors, TruncatedJpeg) {
  const std::vector<uint8_t> jpeg = small_jpeg();
  expect_error(prefix(jpeg, 2), "truncated image file: only 2 bytes");
  for (size_t size :
       {size_t{3}, size_t{10}, size_t{200}, jpeg.size() / 2, jpeg.size() - 2, jpeg.size() - 1})
    expect_error(prefix(jpeg, size), "truncated JPEG file");
}

TEST(ImageErrors, TruncatedPng) {
  const std::vector<uint8_t> png = small_png();
  expect_error(prefix(png, 5), "truncated image file: only 5 bytes");
  // 33 ends IHDR; size - 12 drops IEND; size - 1 cuts IEND's CRC.
  for (size_t size :
       {size_t{8}, size_t{20}, size_t{33}, png.size() / 2, png.size() - 12, png.size() - 1})
    expect_error(prefix(png, size), "truncated PNG file");
}

// Offsets of the dimensions in our encoders' output: PNG's IHDR data starts at 16, width then
// height as big-endian 32-bit; JPEG's SOF0 segment is FF C0, length, precision, height, width.
std::vector<uint8_t> png_with_size(uint32_t width, uint32_t height) {
  std::vector<uint8_t> png = small_png();
  for (int i = 0; i < 4; ++i) {
    png[16 + i] = static_cast<uint8_t>(width >> (24 - 8 * i));
    png[20 + i] = static_cast<uint8_t>(height >> (24 - 8 * i));
  }
  const uint32_t crc = static_cast<uint32_t>(crc32(0, png.data() + 12, 17));  // type + data
  for (int i = 0; i < 4; ++i) png[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  return png;
}

size_t sof_offset(const std::vector<uint8_t>& jpeg) {
  size_t sof = 2;
  while (sof + 9 < jpeg.size() && !(jpeg[sof] == 0xFF && jpeg[sof + 1] == 0xC0)) ++sof;
  EXPECT_LT(sof + 9, jpeg.size()) << "no SOF0 marker";
  return sof;
}

std::vector<uint8_t> jpeg_with_size(uint16_t width, uint16_t height) {
  std::vector<uint8_t> jpeg = small_jpeg();
  const size_t sof = sof_offset(jpeg);
  jpeg[sof + 5] = height >> 8;
  jpeg[sof + 6] = height & 0xFF;
  jpeg[sof + 7] = width >> 8;
  jpeg[sof + 8] = width & 0xFF;
  return jpeg;
}

TEST(ImageErrors, CorruptHeaders) {
  std::vector<uint8_t> jpeg = small_jpeg();
  jpeg[3] = 0x02;  // the first marker after SOI becomes a reserved one
  expect_error(jpeg, "corrupt JPEG file");
  jpeg = small_jpeg();
  jpeg[sof_offset(jpeg) + 4] = 3;  // the sample precision
  expect_error(jpeg, "corrupt JPEG file");
  std::vector<uint8_t> png = small_png();
  png[1] = 'Q';  // the signature
  expect_error(png, "not a JPEG or PNG image");
  png = small_png();
  png[17] ^= 0x40;  // the IHDR width, which its CRC no longer matches
  expect_error(png, "corrupt PNG file: IHDR: CRC error");
}

TEST(ImageErrors, ZeroAndAbsurdDimensions) {
  expect_error(png_with_size(20000, 20000), "PNG image is 20000x20000 pixels, more than the limit");
  expect_error(jpeg_with_size(65000, 65000),
               "JPEG image is 65000x65000 pixels, more than the limit");
  expect_error(png_with_size(0, 4), "corrupt PNG file");
  expect_error(jpeg_with_size(16, 0), "corrupt JPEG file");
  // Patching in the true size changes nothing, so the offsets and the CRC are right.
  EXPECT_EQ(decode_image(png_with_size(6, 4), "same.png").rgb, gradient(6, 4, 3));
  EXPECT_EQ(decode_image(jpeg_with_size(16, 8), "same.jpg").rgb,
            decode_image(small_jpeg(), "small.jpg").rgb);
}

// Flips every byte of a small file in turn: each result must decode to a consistent image or
// be refused with an Error, never crash or throw anything else.
void expect_robust_to_flips(const std::vector<uint8_t>& good, const std::string& name) {
  int refused = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t mask : {0xFF, 0x01}) {
      std::vector<uint8_t> bytes = good;
      bytes[i] ^= mask;
      try {
        const Image image = decode_image(bytes, name);
        EXPECT_EQ(image.rgb.size(), size_t(image.width) * image.height * 3) << i;
      } catch (const Error& e) {
        ++refused;
        EXPECT_EQ(std::string(e.what()).rfind(name + ": ", 0), 0u) << e.what();
      }
    }
  }
  EXPECT_GT(refused, 0);
}

TEST(ImageErrors, SurvivesFlippedBytes) {
  expect_robust_to_flips(small_jpeg(), "flip.jpg");
  expect_robust_to_flips(small_png(), "flip.png");
}

// --- files -----------------------------------------------------------------------------------

class ImageFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("zenith_image_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  void expect_read_error(const fs::path& path, const std::string& reason) {
    try {
      read_image(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find(path.string() + ": " + reason), std::string::npos)
          << e.what();
    }
  }

  fs::path dir_;
};

TEST_F(ImageFile, RecognisesTheSignatureNotTheExtension) {
  const Image image = read_image(write("really_a_png.jpg", small_png()));
  EXPECT_EQ(image.rgb, gradient(6, 4, 3));
}

TEST_F(ImageFile, MissingEmptyAndDirectoryPathsNameThePath) {
  expect_read_error(dir_ / "absent.jpg", "no such image file");
  expect_read_error(write("empty.png", {}), "the image file is empty");
  expect_read_error(dir_, "not a regular file");
  expect_read_error(write("cut.jpg", prefix(small_jpeg(), 100)), "truncated JPEG file");
}

// --- resize ----------------------------------------------------------------------------------

Image rgb_image(int width, int height, std::vector<uint8_t> rgb) {
  return Image{width, height, std::move(rgb)};
}

TEST(ImageResize, ConstantStaysConstant) {
  std::vector<uint8_t> rgb;
  for (int i = 0; i < 7 * 5; ++i) rgb.insert(rgb.end(), {10, 200, 33});
  const Image image = rgb_image(7, 5, rgb);
  for (auto [w, h] : {std::pair{13, 3}, {3, 11}, {1, 1}, {7, 5}}) {
    const Image out = resize(image, w, h);
    ASSERT_EQ(out.rgb.size(), size_t(w * h * 3));
    for (size_t i = 0; i < out.rgb.size(); i += 3)
      ASSERT_EQ((std::vector<uint8_t>(out.rgb.begin() + i, out.rgb.begin() + i + 3)),
                (std::vector<uint8_t>{10, 200, 33}))
          << w << "x" << h << " at " << i / 3;
  }
}

TEST(ImageResize, SameSizeIsIdentity) {
  std::mt19937 rng(1);
  std::vector<uint8_t> rgb(9 * 7 * 3);
  for (uint8_t& b : rgb) b = static_cast<uint8_t>(rng());
  EXPECT_EQ(resize(rgb_image(9, 7, rgb), 9, 7).rgb, rgb);
}

TEST(ImageResize, UpscalesWithHalfPixelCentres) {
  // Output x samples source (x + 0.5) * 2/4 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1]:
  // R = 0, 0.25 * 255 = 63.75, 0.75 * 255 = 191.25, 255 -> 0, 64, 191, 255; G mirrors it.
  const Image out = resize(rgb_image(2, 1, {0, 255, 7, 255, 0, 7}), 4, 1);
  EXPECT_EQ(out.rgb, (std::vector<uint8_t>{0, 255, 7, 64, 191, 7, 191, 64, 7, 255, 0, 7}));
}

TEST(ImageResize, DownscalesWithFractionalWeights) {
  // Output x samples source (x + 0.5) * 3/2 - 0.5 = 0.25, 1.75:
  // 0 + 0.25 * 90 = 22.5 -> 23 (halves round up); 90 + 0.75 * 165 = 213.75 -> 214.
  const Image out = resize(rgb_image(3, 1, {0, 0, 0, 90, 90, 90, 255, 255, 255}), 2, 1);
  EXPECT_EQ(out.rgb, (std::vector<uint8_t>{23, 23, 23, 214, 214, 214}));
}

TEST(ImageResize, HalvingACheckerboardGivesItsMean) {
  std::vector<uint8_t> rgb;
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) {
      const uint8_t v = (x + y) % 2 ? 255 : 0;
      rgb.insert(rgb.end(), {v, v, v});
    }
  // Each output pixel samples the centre of a 2x2 block (weights 1/2, 1/2 both ways); so does
  // each at 8 -> 2, where the sample points fall midway between two source pixels too. The
  // mean 127.5 rounds to 128.
  for (int size : {4, 2}) {
    const Image out = resize(rgb_image(8, 8, rgb), size, size);
    EXPECT_EQ(out.rgb, std::vector<uint8_t>(size * size * 3, 128)) << size;
  }
}

TEST(ImageResize, RefusesBadSizes) {
  const Image image = rgb_image(2, 2, std::vector<uint8_t>(12, 1));
  for (auto [w, h] : {std::pair{0, 5}, {5, 0}, {-1, 3}}) {
    try {
      resize(image, w, h);
      ADD_FAILURE() << w << "x" << h;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("must be positive"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(resize(image, 1 << 15, 1 << 15), Error);  // 2^30 pixels, over the limit
  EXPECT_THROW(resize(Image{}, 4, 4), Error);
  EXPECT_THROW(resize(rgb_image(2, 2, std::vector<uint8_t>(11)), 4, 4), Error);
}

// --- planar layout ---------------------------------------------------------------------------

TEST(ImagePlanar, WritesNormalisedPlanes) {
  // Pixels in row order: (12,24,31) (14,28,32) / (10,20,30) (255,0,33).
  const Image image = rgb_image(2, 2, {12, 24, 31, 14, 28, 32, 10, 20, 30, 255, 0, 33});
  std::vector<float> out(13, -99.0f);  // one guard value past the end
  to_planar(image, {10, 20, 30}, {2, 4, 0.5f}, out.data());
  EXPECT_EQ(out, (std::vector<float>{1, 2, 0, 122.5f,  // R: (p - 10) / 2
                                     1, 2, 0, -5,      // G: (p - 20) / 4
                                     2, 4, 0, 6,       // B: (p - 30) / 0.5
                                     -99.0f}));
}

TEST(ImagePlanar, RefusesZeroScale) {
  const Image image = rgb_image(1, 1, {1, 2, 3});
  float out[3];
  EXPECT_THROW(to_planar(image, {0, 0, 0}, {1, 0, 1}, out), Error);
}

}  // namespace
}  // namespace zenith::tools
