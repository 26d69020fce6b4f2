// Loading JPEG and PNG images and turning them into a model's planar float input.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace zenith::tools {

// Decoders refuse images with more pixels than this before allocating them: 2^28 pixels is a
// 16384x16384 image, far beyond any classifier input, and its RGB buffer alone is 768 MiB.
inline constexpr uint64_t kMaxImagePixels = uint64_t{1} << 28;

// An 8-bit RGB image, rows top to bottom, pixels interleaved R,G,B.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;  // width * height * 3
};

// Decodes a JPEG or PNG, recognised by its signature bytes (not the file extension), to 8-bit
// RGB: grayscale is replicated, a palette expanded, 16-bit samples reduced to their high byte,
// alpha dropped (not composited), gamma and colour profiles ignored, as PIL's convert("RGB") and
// OpenCV's imread do. `name` starts every error message.
// Throws InvalidArgument for empty, unrecognised, truncated or corrupt data and for images of
// more than kMaxImagePixels pixels; Unsupported for CMYK JPEGs.
Image decode_image(const std::vector<uint8_t>& bytes, const std::string& name);

// Reads and decodes `path`. Throws InvalidArgument naming the path if it is missing, not a
// regular file or unreadable, and as decode_image does.
Image read_image(const std::filesystem::path& path);

// Bilinear resize with half-pixel centres and edge clamping, rounded to nearest: what OpenCV's
// INTER_LINEAR and torchvision's resize without antialias do. There is no low-pass filter, so a
// downscale by more than 2 aliases just as theirs does.
// Throws InvalidArgument if `width` or `height` is not positive or too large, or `image` is
// empty or inconsistent.
Image resize(const Image& image, int width, int height);

// Writes `image` to `out` as planar float: 3 planes of height*width (R, G, B), each value
// (pixel - mean[c]) / scale[c]. REQUIRES: `out` holds 3 * width * height floats.
// Throws InvalidArgument if a scale is zero or `image` is inconsistent.
void to_planar(const Image& image, const std::array<float, 3>& mean,
               const std::array<float, 3>& scale, float* out);

}  // namespace zenith::tools
