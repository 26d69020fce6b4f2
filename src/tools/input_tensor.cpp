// Resizing and planar normalisation of one sample.
#include "tools/input_tensor.h"

#include "ir/errors.h"

namespace zenith::tools {
namespace {

// ITU-R 601-2 luma in PIL's 16-bit fixed point; the weights sum to 65536, so R = G = B = v
// gives v exactly.
uint8_t luma(const uint8_t* rgb) {
  return static_cast<uint8_t>((rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 0x8000u) >> 16);
}

}  // namespace

Tensor to_input_tensor(const Image& image, const InputLayout& layout, const std::string& name) {
  if (layout.channels != 1 && layout.channels != 3)
    throw_invalid_argument(
        "{}: the model input has {} channels; datasets provide 1 (gray) or 3 (RGB)", name,
        layout.channels);
  const bool positive = layout.height > 0 && layout.width > 0;
  // Each side at most kMaxImagePixels (2^28) first, so that their product cannot overflow.
  if (!positive || static_cast<uint64_t>(layout.height) > kMaxImagePixels ||
      static_cast<uint64_t>(layout.width) > kMaxImagePixels ||
      static_cast<uint64_t>(layout.height) * static_cast<uint64_t>(layout.width) > kMaxImagePixels)
    throw_invalid_argument("{}: the input size {}x{} must be positive and at most {} pixels", name,
                           layout.height, layout.width, kMaxImagePixels);
  for (int64_t c = 0; c < layout.channels; ++c)
    if (layout.scale[c] == 0.0f) throw_invalid_argument("{}: scale[{}] is zero", name, c);
  const auto height = static_cast<int>(layout.height), width = static_cast<int>(layout.width);
  const bool same_size = image.height == height && image.width == width;
  const Image sized = same_size ? Image{} : resize(image, width, height);
  const Image& src = same_size ? image : sized;
  Tensor tensor(ElementType::f32, {1, layout.channels, layout.height, layout.width});
  float* dst = tensor.data<float>();
  if (layout.channels == 3) {
    to_planar(src, layout.mean, layout.scale, dst);
    return tensor;
  }
  for (size_t i = 0; i < tensor.size(); ++i)
    dst[i] = (luma(&src.rgb[3 * i]) - layout.mean[0]) / layout.scale[0];
  return tensor;
}

}  // namespace zenith::tools
