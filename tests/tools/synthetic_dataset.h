// An in-memory Dataset for loader and augmentation tests: sample i is a width x height image
// whose pixels encode i and their position, so any mix-up of samples, crops or flips shows.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "ir/errors.h"
#include "tools/dataset_formats.h"
#include "tools/input_tensor.h"

namespace zenith::tools {

class SyntheticImages : public Dataset {
 public:
  // Labels: class i % classes, or for multi-label data classes i % classes and (i + 1) % classes.
  SyntheticImages(size_t size, int width, int height, int classes, bool multi_label = false,
                  std::optional<size_t> broken = std::nullopt)
      : size_(size), width_(width), height_(height), multi_label_(multi_label), broken_(broken) {
    for (int c = 0; c < classes; ++c) classes_.push_back("c" + std::to_string(c));
  }

  std::string name() const override { return "synthetic"; }
  size_t size() const override { return size_; }
  const std::vector<std::string>& classes() const override { return classes_; }
  bool multi_label() const override { return multi_label_; }
  Tensor load(size_t index, const InputLayout& layout) const override {
    return to_input_tensor(image(index), layout, name());
  }
  Image image(size_t index) const override {
    check_sample_index(*this, index);
    if (index == broken_) throw_invalid_argument("sample-{}.png: corrupt PNG file", index);
    Image out{width_, height_, {}};
    for (int y = 0; y < height_; ++y)
      for (int x = 0; x < width_; ++x)
        out.rgb.insert(out.rgb.end(), {static_cast<uint8_t>(index % 251),
                                       static_cast<uint8_t>(x * 255 / std::max(width_ - 1, 1)),
                                       static_cast<uint8_t>(y * 255 / std::max(height_ - 1, 1))});
    return out;
  }
  std::vector<int> labels(size_t index) const override {
    check_sample_index(*this, index);
    const int k = static_cast<int>(classes_.size());
    const int first = static_cast<int>(index % k);
    if (!multi_label_) return {first};
    std::vector<int> both = {first, static_cast<int>((index + 1) % k)};
    std::sort(both.begin(), both.end());
    both.erase(std::unique(both.begin(), both.end()), both.end());
    return both;
  }

 private:
  size_t size_;
  int width_, height_;
  bool multi_label_;
  std::optional<size_t> broken_;
  std::vector<std::string> classes_;
};

}  // namespace zenith::tools
