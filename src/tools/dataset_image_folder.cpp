// Datasets of image files: ChestX-ray14, val_map and class folders once their index is read.
#include "tools/dataset_formats.h"
#include "tools/input_tensor.h"

namespace zenith::tools {
namespace {

class ImageFolder : public Dataset {
 public:
  ImageFolder(std::string name, std::vector<std::string> classes, bool multi_label,
              std::vector<LabelledImage> samples)
      : name_(std::move(name)),
        classes_(std::move(classes)),
        multi_label_(multi_label),
        samples_(std::move(samples)) {}

  std::string name() const override { return name_; }
  size_t size() const override { return samples_.size(); }
  const std::vector<std::string>& classes() const override { return classes_; }
  bool multi_label() const override { return multi_label_; }

  Tensor load(size_t index, const InputLayout& layout) const override {
    check_sample_index(*this, index);
    const std::filesystem::path& path = samples_[index].image;
    return to_input_tensor(read_image(path), layout, path.string());
  }

  Image image(size_t index) const override {
    check_sample_index(*this, index);
    return read_image(samples_[index].image);
  }

  std::vector<int> labels(size_t index) const override {
    check_sample_index(*this, index);
    return samples_[index].labels;
  }

 private:
  std::string name_;
  std::vector<std::string> classes_;
  bool multi_label_;
  std::vector<LabelledImage> samples_;
};

}  // namespace

std::unique_ptr<Dataset> make_image_folder(std::string name, std::vector<std::string> classes,
                                           bool multi_label, std::vector<LabelledImage> samples) {
  return std::make_unique<ImageFolder>(std::move(name), std::move(classes), multi_label,
                                       std::move(samples));
}

}  // namespace zenith::tools
