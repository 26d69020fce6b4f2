// Fashion-MNIST's test set: 28x28 gray images and one label each, in two IDX files.
#include <algorithm>

#include "ir/errors.h"
#include "tools/dataset_formats.h"
#include "tools/idx.h"
#include "tools/input_tensor.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kClasses = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                           "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                           "Bag",         "Ankle boot"};

// The plain file if it is there (as torchvision unpacks it), else the gzipped one (as Debian
// ships it).
fs::path idx_path(const fs::path& dir, const std::string& stem) {
  std::error_code ec;
  return fs::exists(dir / stem, ec) ? dir / stem : dir / (stem + ".gz");
}

class FashionMnist : public Dataset {
 public:
  FashionMnist(const fs::path& dir, size_t limit, const std::string& split)
      : images_path_(idx_path(dir, split + "-images-idx3-ubyte")),
        name_("fashion-mnist " + (split == "train" ? "training set " : std::string()) +
              dir.string()) {
    const fs::path labels_path = idx_path(dir, split + "-labels-idx1-ubyte");
    IdxArray images = read_idx(images_path_, 3);
    IdxArray labels = read_idx(labels_path, 1);
    const uint64_t pixels = uint64_t{images.dims[1]} * images.dims[2];
    if (pixels == 0 || pixels > kMaxImagePixels)
      throw_invalid_argument(
          "{}: the images are {}x{} pixels; expected a non-empty size of at most {} pixels",
          images_path_.string(), images.dims[1], images.dims[2], kMaxImagePixels);
    if (labels.dims[0] != images.dims[0])
      throw_invalid_argument("{}: {} labels, but {} holds {} images", labels_path.string(),
                             labels.dims[0], images_path_.filename().string(), images.dims[0]);
    count_ = limit ? std::min<size_t>(limit, images.dims[0]) : images.dims[0];
    height_ = static_cast<int>(images.dims[1]);
    width_ = static_cast<int>(images.dims[2]);
    for (size_t i = 0; i < count_; ++i)
      if (labels.data[i] >= kClasses.size())
        throw_invalid_argument("{}: sample {} has label {}; Fashion-MNIST's classes are 0 to {}",
                               labels_path.string(), i, labels.data[i], kClasses.size() - 1);
    pixels_ = std::move(images.data);
    pixels_.resize(count_ * height_ * width_);
    labels_ = std::move(labels.data);
    labels_.resize(count_);
  }

  std::string name() const override { return name_; }
  size_t size() const override { return count_; }
  const std::vector<std::string>& classes() const override { return kClasses; }
  bool multi_label() const override { return false; }

  Tensor load(size_t index, const InputLayout& layout) const override {
    return to_input_tensor(image(index), layout,
                           fmt::format("{}: sample {}", images_path_.string(), index));
  }

  Image image(size_t index) const override {
    check_sample_index(*this, index);
    Image image{width_, height_, std::vector<uint8_t>(size_t{3} * width_ * height_)};
    const uint8_t* gray = pixels_.data() + index * height_ * width_;
    for (size_t i = 0; i < size_t{1} * width_ * height_; ++i)
      std::fill_n(image.rgb.data() + 3 * i, 3, gray[i]);
    return image;
  }

  std::vector<int> labels(size_t index) const override {
    check_sample_index(*this, index);
    return {labels_[index]};
  }

 private:
  fs::path images_path_;
  std::string name_;
  size_t count_ = 0;
  int height_ = 0, width_ = 0;
  std::vector<uint8_t> pixels_;  // count_ gray images, row-major
  std::vector<uint8_t> labels_;
};

}  // namespace

std::unique_ptr<Dataset> open_fashion_mnist(const fs::path& dir, size_t limit,
                                            const std::string& split) {
  return std::make_unique<FashionMnist>(dir, limit, split);
}

}  // namespace zenith::tools
