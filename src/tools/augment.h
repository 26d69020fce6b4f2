// Training-time augmentation as torchvision's ImageNet recipe applies it: RandomResizedCrop to
// the model's input size, RandomHorizontalFlip, then the normalisation of an InputLayout.
// Every random choice comes from (seed, epoch, sample index), never from shared state, so a
// sample's augmented tensor is the same whichever thread loads it and after a resume.
#pragma once

#include <cstdint>

#include "tools/dataset.h"
#include "tools/image.h"
#include "tools/seeded_random.h"

namespace zenith::tools {

// A rectangle of an image, in pixels.
struct CropBox {
  int x = 0, y = 0, width = 0, height = 0;
};

// torchvision's RandomResizedCrop.get_params with scale (0.08, 1) and ratio (3/4, 4/3): up to 10
// tries at a box of a uniform fraction of the area and a log-uniform aspect ratio that fits,
// placed uniformly; else the centre crop of the largest box within the ratios.
// REQUIRES: width and height positive.
CropBox random_resized_crop_box(int width, int height, SeededRandom& random);

// The pixels of `box` within `image`. REQUIRES: box lies within the image.
Image crop(const Image& image, const CropBox& box);

// Mirrors `image` left to right.
void flip_horizontally(Image& image);

// Sample `index` of `dataset` augmented for `epoch`: a random resized crop, resized bilinearly
// to the layout's size, flipped with probability 1/2, and normalised as Dataset::load does.
// Throws as Dataset::image and to_input_tensor do.
Tensor augmented_sample(const Dataset& dataset, size_t index, const InputLayout& layout,
                        uint64_t seed, int64_t epoch);

}  // namespace zenith::tools
