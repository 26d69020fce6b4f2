// Random resized crop, horizontal flip and normalisation of one sample.
#include "tools/augment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tools/input_tensor.h"

namespace zenith::tools {

CropBox random_resized_crop_box(int width, int height, SeededRandom& random) {
  constexpr double kMinScale = 0.08, kMaxScale = 1.0;
  constexpr double kMinRatio = 3.0 / 4.0, kMaxRatio = 4.0 / 3.0;
  const double area = static_cast<double>(width) * height;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * random.uniform(kMinScale, kMaxScale);
    const double ratio = std::exp(random.uniform(std::log(kMinRatio), std::log(kMaxRatio)));
    const auto w = static_cast<int>(std::lround(std::sqrt(target * ratio)));
    const auto h = static_cast<int>(std::lround(std::sqrt(target / ratio)));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const auto y = static_cast<int>(random.below(static_cast<uint64_t>(height - h + 1)));
      const auto x = static_cast<int>(random.below(static_cast<uint64_t>(width - w + 1)));
      return {x, y, w, h};
    }
  }
  // No try fit (a very wide or tall image): the centre of the image clipped to the ratio range.
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < kMinRatio)
    h = static_cast<int>(std::lround(w / kMinRatio));
  else if (in_ratio > kMaxRatio)
    w = static_cast<int>(std::lround(h * kMaxRatio));
  return {(width - w) / 2, (height - h) / 2, w, h};
}

Image crop(const Image& image, const CropBox& box) {
  Image out{box.width, box.height, std::vector<uint8_t>(size_t{3} * box.width * box.height)};
  const size_t row_bytes = size_t{3} * box.width;
  for (int y = 0; y < box.height; ++y)
    std::copy_n(image.rgb.data() + (size_t{1} * (box.y + y) * image.width + box.x) * 3, row_bytes,
                out.rgb.data() + y * row_bytes);
  return out;
}

void flip_horizontally(Image& image) {
  for (int y = 0; y < image.height; ++y) {
    uint8_t* row = image.rgb.data() + size_t{3} * y * image.width;
    for (int left = 0, right = image.width - 1; left < right; ++left, --right)
      std::swap_ranges(row + 3 * left, row + 3 * left + 3, row + 3 * right);
  }
}

Tensor augmented_sample(const Dataset& dataset, size_t index, const InputLayout& layout,
                        uint64_t seed, int64_t epoch) {
  const Image image = dataset.image(index);
  SeededRandom random({seed, static_cast<uint64_t>(epoch), index});
  const CropBox box = random_resized_crop_box(image.width, image.height, random);
  Image cropped = crop(image, box);
  if (random.uniform(0, 1) < 0.5) flip_horizontally(cropped);
  // to_input_tensor resizes the crop to the layout's size.
  return to_input_tensor(cropped, layout,
                         fmt::format("{}: sample {} (augmented)", dataset.name(), index));
}

}  // namespace zenith::tools
