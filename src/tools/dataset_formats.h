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
// DIR/CLASS/*.png|jpg (torchvision's ImageFolder). Throws InvalidArgument naming the folder if
// there are no class folders or one has no images.
std::unique_ptr<Dataset> open_class_folders(const std::filesystem::path& dir, size_t limit);
// DIR/inputs.npy and DIR/labels.npy; the formats are described in dataset_npy.cpp. Throws
// InvalidArgument naming the file for other dtypes or shapes, differing sample counts, or
// labels out of range.
std::unique_ptr<Dataset> open_npy_dataset(const std::filesystem::path& dir, size_t limit);
// The `part` ("train", "val" or "test") of ChestX-ray14's split by "Patient ID": 70 / 10 / 20
// of the patients as CheXNet, drawn from `seed` (group_split); the first `limit` of its samples.
std::unique_ptr<Dataset> open_chestxray14_split(const std::filesystem::path& dir,
                                                const std::string& part, uint64_t seed,
                                                size_t limit);

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
