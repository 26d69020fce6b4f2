// The dataset formats open_dataset recognises, one file each, and what they share.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tools/dataset.h"

namespace zenith::tools {

// Each takes the folder and the sample limit (0: all); the contract is open_dataset's.
// Fashion-MNIST's `split` is "t10k" (the test set) or "train".
std::unique_ptr<Dataset> open_fashion_mnist(const std::filesystem::path& dir, size_t limit,
                                            const std::string& split = "t10k");
std::unique_ptr<Dataset> open_chestxray14(const std::filesystem::path& dir, size_t limit);
std::unique_ptr<Dataset> open_val_map(const std::filesystem::path& dir, size_t limit);

// One image file of a folder dataset and its class indices.
struct LabelledImage {
  std::filesystem::path image;
  std::vector<int> labels;
};

// A dataset whose samples are image files, decoded when loaded. REQUIRES: every label indexes
// `classes`, and single-label samples have exactly one.
std::unique_ptr<Dataset> make_image_folder(std::string name, std::vector<std::string> classes,
                                           bool multi_label, std::vector<LabelledImage> samples);

// Throws InvalidArgument unless `index` < dataset.size().
void check_sample_index(const Dataset& dataset, size_t index);

}  // namespace zenith::tools
