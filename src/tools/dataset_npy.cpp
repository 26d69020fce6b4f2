// NumPy arrays: DIR/inputs.npy ([N, C, H, W] float32 samples, or uint8 pixels) and
// DIR/labels.npy ([N] integer class ids, or an [N, K] 0/1 matrix for multi-label data).
// Float inputs are taken as already preprocessed: they reach the model as they are, with no
// mean, scale or resize applied. Pixels are normalised by the layout as decoded images are.
#include <algorithm>

#include "ir/errors.h"
#include "ir/shape.h"
#include "tools/dataset_formats.h"
#include "tools/input_tensor.h"
#include "tools/npy.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

// Far above any classifier's classes; a larger id is a corrupt file, and would cost a name each.
constexpr int64_t kMaxClassId = 1'000'000;

class NpyDataset : public Dataset {
 public:
  NpyDataset(const fs::path& dir, size_t limit)
      : inputs_path_(dir / "inputs.npy"), name_("npy " + dir.string()) {
    const fs::path labels_path = dir / "labels.npy";
    inputs_ = read_npy(inputs_path_);
    const ir::Tensor labels = read_npy(labels_path);
    if ((inputs_.dtype() != ir::DType::F32 && inputs_.dtype() != ir::DType::U8) ||
        inputs_.rank() != 4 || inputs_.numel() == 0)
      throw_invalid_argument(
          "{}: {}{}; expected a non-empty [N, C, H, W] array of float32 samples or uint8 pixels",
          inputs_path_.string(), ir::dtype_name(inputs_.dtype()), ir::to_string(inputs_.dims()));
    const int64_t n = inputs_.dims()[0];
    if (labels.rank() < 1 || labels.dims()[0] != n)
      throw_invalid_argument("{}: shape {}, but {} holds {} samples", labels_path.string(),
                             ir::to_string(labels.dims()), inputs_path_.filename().string(), n);
    count_ = limit ? std::min<size_t>(limit, n) : static_cast<size_t>(n);
    multi_label_ = labels.rank() == 2;
    if (multi_label_)
      read_label_matrix(labels, labels_path.string());
    else
      read_class_ids(labels, labels_path.string());
  }

  std::string name() const override { return name_; }
  size_t size() const override { return count_; }
  const std::vector<std::string>& classes() const override { return classes_; }
  bool multi_label() const override { return multi_label_; }

  Tensor load(size_t index, const InputLayout& layout) const override {
    check_sample_index(*this, index);
    const ir::Dims sample(inputs_.dims().begin() + 1, inputs_.dims().end());
    if (sample != ir::Dims{layout.channels, layout.height, layout.width})
      throw_invalid_argument(
          "{}: the samples are {}, but the model input takes {}; npy inputs are not resized",
          inputs_path_.string(), ir::to_string(sample),
          ir::to_string(ir::Dims{layout.channels, layout.height, layout.width}));
    if (inputs_.dtype() == ir::DType::U8)
      return to_input_tensor(image(index), layout, sample_name(index));
    Tensor tensor(ElementType::f32, {1, layout.channels, layout.height, layout.width});
    std::copy_n(inputs_.data<float>() + index * tensor.size(), tensor.size(), tensor.data<float>());
    return tensor;
  }

  Image image(size_t index) const override {
    check_sample_index(*this, index);
    const int64_t channels = inputs_.dims()[1];
    if (inputs_.dtype() != ir::DType::U8 || (channels != 1 && channels != 3))
      throw_invalid_argument(
          "{}: {}{} holds no images to augment: float32 samples are taken as already "
          "preprocessed, and pixels must be uint8 with 1 or 3 channels",
          inputs_path_.string(), ir::dtype_name(inputs_.dtype()), ir::to_string(inputs_.dims()));
    const auto height = static_cast<int>(inputs_.dims()[2]);
    const auto width = static_cast<int>(inputs_.dims()[3]);
    const size_t plane = size_t{1} * height * width;
    const uint8_t* planes = inputs_.data<uint8_t>() + index * channels * plane;
    Image out{width, height, std::vector<uint8_t>(3 * plane)};
    for (size_t i = 0; i < plane; ++i)
      for (int c = 0; c < 3; ++c) out.rgb[3 * i + c] = planes[(channels == 3 ? c : 0) * plane + i];
    return out;
  }

  std::vector<int> labels(size_t index) const override {
    check_sample_index(*this, index);
    return labels_[index];
  }

 private:
  std::string sample_name(size_t index) const {
    return fmt::format("{}: sample {}", inputs_path_.string(), index);
  }

  void read_class_ids(const ir::Tensor& labels, const std::string& where) {
    if (labels.rank() != 1 ||
        (labels.dtype() != ir::DType::I64 && labels.dtype() != ir::DType::I32))
      throw_invalid_argument(
          "{}: {}{}; expected [N] int64 or int32 class ids, or an [N, K] 0/1 float32 or uint8 "
          "matrix",
          where, ir::dtype_name(labels.dtype()), ir::to_string(labels.dims()));
    int64_t max_id = 0;
    for (size_t i = 0; i < count_; ++i) {
      const int64_t id =
          labels.dtype() == ir::DType::I64 ? labels.data<int64_t>()[i] : labels.data<int32_t>()[i];
      if (id < 0 || id > kMaxClassId)
        throw_invalid_argument("{}: sample {} has class id {}; expected 0 to {}", where, i, id,
                               kMaxClassId);
      max_id = std::max(max_id, id);
      labels_.push_back({static_cast<int>(id)});
    }
    for (int64_t c = 0; c <= max_id; ++c) classes_.push_back(std::to_string(c));
  }

  void read_label_matrix(const ir::Tensor& labels, const std::string& where) {
    if (labels.dtype() != ir::DType::F32 && labels.dtype() != ir::DType::U8)
      throw_invalid_argument("{}: {}{}; a multi-label matrix is float32 or uint8 0/1 values", where,
                             ir::dtype_name(labels.dtype()), ir::to_string(labels.dims()));
    const int64_t k = labels.dims()[1];
    if (k == 0) throw_invalid_argument("{}: the label matrix has no columns", where);
    for (size_t i = 0; i < count_; ++i) {
      std::vector<int>& findings = labels_.emplace_back();
      for (int64_t c = 0; c < k; ++c) {
        const double value = labels.as_double(static_cast<int64_t>(i) * k + c);
        if (value != 0 && value != 1)
          throw_invalid_argument("{}: sample {} class {} is {}; a multi-label matrix holds 0 or 1",
                                 where, i, c, value);
        if (value == 1) findings.push_back(static_cast<int>(c));
      }
    }
    for (int64_t c = 0; c < k; ++c) classes_.push_back(std::to_string(c));
  }

  fs::path inputs_path_;
  std::string name_;
  ir::Tensor inputs_;
  size_t count_ = 0;
  bool multi_label_ = false;
  std::vector<std::string> classes_;
  std::vector<std::vector<int>> labels_;
};

}  // namespace

std::unique_ptr<Dataset> open_npy_dataset(const fs::path& dir, size_t limit) {
  return std::make_unique<NpyDataset>(dir, limit);
}

}  // namespace zenith::tools
