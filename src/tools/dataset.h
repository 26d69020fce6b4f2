// Labelled datasets for accuracy runs and training: Fashion-MNIST, ChestX-ray14, ImageNet-style
// folders, class folders and NumPy arrays, each sample preprocessed into a model's input tensor.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/image.h"
#include "zenith/tensor.h"

namespace zenith::tools {

// What a model expects of one sample: [1, channels, height, width] f32, each pixel (0-255)
// becoming (pixel - mean[c]) / scale[c]. channels is 1 (luma) or 3 (R, G, B).
struct InputLayout {
  int64_t channels = 3;
  int64_t height = 224;
  int64_t width = 224;
  std::array<float, 3> mean{0.0f, 0.0f, 0.0f};
  std::array<float, 3> scale{1.0f, 1.0f, 1.0f};
};

// A fixed, ordered set of labelled samples. Every method is const and safe to call from several
// threads at once (LoadGen's sample loading may do so).
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string name() const = 0;
  virtual size_t size() const = 0;
  virtual const std::vector<std::string>& classes() const = 0;
  // True when a sample has any number of classes (findings) rather than exactly one.
  virtual bool multi_label() const = 0;
  // Sample `index` as a [1, C, H, W] f32 tensor for `layout`, resized if its size differs.
  // Throws InvalidArgument naming the file or sample if it cannot be read or decoded, if
  // `index` >= size(), or if `layout` is impossible (channels not 1 or 3, a zero scale).
  virtual Tensor load(size_t index, const InputLayout& layout) const = 0;
  // Sample `index` as decoded, before any resize or normalisation: what augmentation crops.
  // Throws as load() does, and InvalidArgument for samples that are not pixels (npy float
  // inputs, which are taken as already preprocessed).
  virtual Image image(size_t index) const = 0;
  // Single-label: exactly one class index. Multi-label: the sample's findings, in classes()
  // order; empty for none. Throws InvalidArgument if `index` >= size().
  virtual std::vector<int> labels(size_t index) const = 0;
};

// Where the Debian package dataset-fashion-mnist puts its files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Opens `spec`: "fashion-mnist" (the 10,000-image test set in kFashionMnistDir),
// "fashion-mnist-train" (its 60,000 training images: calibration data apart from the test set),
// "npy:DIR" (open_npy_dataset), "chestxray14:DIR[:train|val|test]" (one part of ChestX-ray14's
// patient-wise split drawn from `split_seed`: open_chestxray14_split; train when none is named),
// "imagefolder:DIR" (DIR/CLASS/*.png|jpg, torchvision's ImageFolder layout, classes sorted by
// name), or a folder holding one of
//   t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]: Fashion-MNIST's IDX files;
//   Data_Entry_2017.csv: ChestX-ray14 ("Image Index", "Finding Labels" with findings separated
//     by '|', "No Finding" for none); images in the folder or its images/ subfolder;
//   val_map.txt: ImageNet-style "FILE LABEL" lines; class names from an optional labels.txt.
// `limit` > 0 keeps only the first `limit` samples. Every listed image must exist; the images
// themselves are decoded by load(). Throws InvalidArgument naming the file and line or sample
// of anything malformed.
std::unique_ptr<Dataset> open_dataset(const std::string& spec, size_t limit = 0,
                                      uint64_t split_seed = 0);

// The validation data that goes with training data `spec`: Fashion-MNIST's test set for its
// training set, ChestX-ray14's val part for another of its parts; "" for others.
std::string validation_spec(const std::string& spec);

// The preprocessing for dataset `spec` feeding a [N, channels, height, width] input: `mean` and
// `scale` as "R,G,B" or "V", or when empty the dataset's default (Fashion-MNIST: pixels / 255;
// others: ImageNet's mean and standard deviation; npy float inputs ignore both, being taken as
// preprocessed). Throws InvalidArgument for malformed values.
InputLayout dataset_layout(const std::string& spec, int64_t channels, int64_t height, int64_t width,
                           const std::string& mean, const std::string& scale);

}  // namespace zenith::tools
