// Encoders of test images: JPEG bytes in memory, PNG and JPEG files.
#pragma once

#include <gtest/gtest.h>
#include <jpeglib.h>
#include <png.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace zenith::testing {

// `pixels` holds `components` bytes per pixel (1 gray, 3 RGB, 4 CMYK).
inline std::vector<uint8_t> encode_jpeg(int width, int height, int components,
                                        const std::vector<uint8_t>& pixels,
                                        bool progressive = false) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr errors;
  // The default handler exits the process, which only a bug in this encoder could trigger.
  cinfo.err = jpeg_std_error(&errors);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 100, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels.data()) + cinfo.next_scanline * width * components;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::vector<uint8_t> out(buffer, buffer + size);
  std::free(buffer);
  return out;
}

// A `width` x `height` RGB PNG of `rgb` (interleaved, rows top to bottom).
inline void write_png(const std::filesystem::path& path, int width, int height,
                      const std::vector<uint8_t>& rgb) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = width;
  image.height = height;
  image.format = PNG_FORMAT_RGB;
  ASSERT_TRUE(png_image_write_to_file(&image, path.string().c_str(), 0, rgb.data(), 0, nullptr))
      << image.message;
}

// The same as a quality-100 JPEG.
inline void write_jpeg(const std::filesystem::path& path, int width, int height,
                       const std::vector<uint8_t>& rgb) {
  const std::vector<uint8_t> bytes = encode_jpeg(width, height, 3, rgb);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

}  // namespace zenith::testing
