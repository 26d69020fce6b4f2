// Augmentation: RandomResizedCrop's box statistics and fallback, crop and flip pixel by pixel,
// and augmented samples as a pure function of (seed, epoch, index).
#include "tools/augment.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tools/input_tensor.h"
#include "tools/synthetic_dataset.h"

namespace zenith::tools {
namespace {

TEST(Augment, CropBoxesStayWithinScaleAndRatio) {
  constexpr int kWidth = 120, kHeight = 90, kDraws = 4000;
  SeededRandom random({5});
  double scale_sum = 0, centre_sum = 0, smallest = 1, largest = 0;
  for (int i = 0; i < kDraws; ++i) {
    const CropBox box = random_resized_crop_box(kWidth, kHeight, random);
    ASSERT_GE(box.x, 0);
    ASSERT_GE(box.y, 0);
    ASSERT_LE(box.x + box.width, kWidth);
    ASSERT_LE(box.y + box.height, kHeight);
    const double scale = static_cast<double>(box.width) * box.height / (kWidth * kHeight);
    const double ratio = static_cast<double>(box.width) / box.height;
    // Rounding the sides to whole pixels (each at least 25) moves both by at most 4%.
    EXPECT_GE(scale, 0.08 * 0.96);
    EXPECT_LE(scale, 1.0);
    EXPECT_GE(ratio, 0.75 * 0.96);
    EXPECT_LE(ratio, 4.0 / 3.0 * 1.04);
    scale_sum += scale;
    smallest = std::min(smallest, scale);
    largest = std::max(largest, scale);
    centre_sum += box.x + box.width / 2.0;
  }
  // Uniform scales in (0.08, 1) average 0.54, but boxes that do not fit (large scale, ratio
  // beyond the image's) are redrawn: torchvision's rule, simulated in Python with 20,000
  // draws, averages 0.436 on 120x90. 4,000 draws have a standard error of about 0.004.
  EXPECT_GT(scale_sum / kDraws, 0.415);
  EXPECT_LT(scale_sum / kDraws, 0.455);
  EXPECT_LT(smallest, 0.1);
  EXPECT_GT(largest, 0.95);
  EXPECT_NEAR(centre_sum / kDraws, kWidth / 2.0, 2.0);
}

TEST(Augment, FallsBackToTheCentreWithinTheRatios) {
  SeededRandom random({1});
  // No box of at least 8% of the area with ratio <= 4/3 fits 2 pixels of height.
  const CropBox wide = random_resized_crop_box(1000, 2, random);
  EXPECT_EQ(std::tie(wide.x, wide.y, wide.width, wide.height), std::make_tuple(498, 0, 3, 2));
  const CropBox tall = random_resized_crop_box(2, 1000, random);
  EXPECT_EQ(std::tie(tall.x, tall.y, tall.width, tall.height), std::make_tuple(0, 498, 2, 3));
}

TEST(Augment, CropsAndFlipsPixels) {
  // 3x2 pixels numbered 1..6 row by row, each as (n, 10n, 100 + n).
  Image image{3, 2, {}};
  for (uint8_t n = 1; n <= 6; ++n)
    image.rgb.insert(image.rgb.end(), {n, static_cast<uint8_t>(10 * n), uint8_t(100 + n)});
  const Image cropped = crop(image, {1, 0, 2, 2});
  EXPECT_EQ(cropped.width, 2);
  EXPECT_EQ(cropped.height, 2);
  EXPECT_EQ(cropped.rgb, (std::vector<uint8_t>{2, 20, 102, 3, 30, 103, 5, 50, 105, 6, 60, 106}));
  flip_horizontally(image);
  EXPECT_EQ(image.rgb, (std::vector<uint8_t>{3, 30, 103, 2, 20, 102, 1, 10, 101, 6, 60, 106, 5, 50,
                                             105, 4, 40, 104}));
}

TEST(Augment, SampleIsAPureFunctionOfSeedEpochAndIndex) {
  const SyntheticImages data(1000, 40, 30, 3);
  InputLayout layout;
  layout.channels = 3;
  layout.height = 16;
  layout.width = 20;
  layout.mean = {1, 2, 3};
  layout.scale = {2, 4, 8};
  auto values = [&](size_t index, uint64_t seed, int64_t epoch) {
    const Tensor t = augmented_sample(data, index, layout, seed, epoch);
    return std::vector<float>(t.data<float>(), t.data<float>() + t.size());
  };
  const std::vector<float> first = values(7, 1, 0);
  EXPECT_EQ(first.size(), 3u * 16 * 20);
  EXPECT_EQ(values(7, 1, 0), first);
  EXPECT_NE(values(7, 1, 1), first);
  EXPECT_NE(values(7, 2, 0), first);
  // The steps in order: crop box, flip, then the resize and normalisation of Dataset::load.
  int flips = 0;
  for (size_t index = 0; index < data.size(); ++index) {
    SeededRandom random({3, 4, index});
    const Image image = data.image(index);
    Image expected = crop(image, random_resized_crop_box(image.width, image.height, random));
    if (random.uniform(0, 1) < 0.5) {
      flip_horizontally(expected);
      ++flips;
    }
    const Tensor want = to_input_tensor(expected, layout, "expected");
    if (index % 100 == 0) {
      ASSERT_EQ(values(index, 3, 4),
                std::vector<float>(want.data<float>(), want.data<float>() + want.size()))
          << index;
    }
  }
  // Binomial(1000, 1/2) lies within 500 +- 70 but for odds of about 1e-5.
  EXPECT_NEAR(flips, 500, 70);
}

}  // namespace
}  // namespace zenith::tools
