// Calibration samples from .npy folders, datasets and seeded random values.
#include "tools/calibration_samples.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "ir/errors.h"
#include "runtime/tensor_bridge.h"
#include "tools/dataset.h"
#include "tools/npy.h"
#include "tools/random_fill.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

size_t sample_bytes(const SampleInput& input) {
  return static_cast<size_t>(ir::checked_numel(input.sample_dims)) * ir::dtype_size(input.dtype);
}

class RandomSamples : public CalibrationSamples {
 public:
  RandomSamples(std::vector<SampleInput> inputs, size_t count, uint64_t seed)
      : inputs_(std::move(inputs)), count_(count), seed_(seed) {}
  size_t size() const override { return count_; }
  std::string describe() const override {
    return fmt::format("{} samples of seeded random values (seed {})", count_, seed_);
  }
  bool random() const override { return true; }
  void read(size_t index, size_t input, std::byte* out) override {
    const SampleInput& in = inputs_[input];
    const ir::Tensor t = random_tensor(in.dtype, in.sample_dims, seed_ + index, in.name);
    std::memcpy(out, t.raw(), t.size_bytes());
  }

 private:
  std::vector<SampleInput> inputs_;
  size_t count_;
  uint64_t seed_;
};

// Per input, its files in order; sample i is row r of the file that holds it.
class NpySamples : public CalibrationSamples {
 public:
  NpySamples(const fs::path& dir, std::vector<SampleInput> inputs, size_t count)
      : dir_(dir), inputs_(std::move(inputs)), files_(inputs_.size()), loaded_(inputs_.size()) {
    list_files();
    size_t shortest = std::numeric_limits<size_t>::max();
    for (size_t i = 0; i < inputs_.size(); ++i) {
      rows_.push_back(count_rows(i));
      shortest = std::min(shortest, rows_.back().empty() ? size_t{0} : rows_.back().back());
    }
    count_ = std::min(shortest, count);
    if (count_ == 0)
      throw_invalid_argument("--calib-data {}: the .npy files hold no samples", dir_.string());
  }
  size_t size() const override { return count_; }
  std::string describe() const override {
    return fmt::format("{} samples from {}", count_, dir_.string());
  }
  void read(size_t index, size_t input, std::byte* out) override {
    const std::vector<size_t>& ends = rows_[input];
    const auto file =
        static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), index) - ends.begin());
    Loaded& l = loaded_[input];
    if (l.file != file || !l.tensor.defined()) {
      l.tensor = checked(input, file);
      l.file = file;
    }
    const size_t row = index - (file == 0 ? 0 : ends[file - 1]);
    const size_t bytes = sample_bytes(inputs_[input]);
    std::memcpy(out, static_cast<const std::byte*>(l.tensor.raw()) + row * bytes, bytes);
  }

 private:
  struct Loaded {
    size_t file = 0;
    ir::Tensor tensor;
  };

  void list_files() {
    std::vector<fs::path> all;
    for (const fs::directory_entry& e : fs::directory_iterator(dir_))
      if (e.is_regular_file() && e.path().extension() == ".npy") all.push_back(e.path());
    std::sort(all.begin(), all.end());
    if (all.empty())
      throw_invalid_argument("--calib-data {}: no .npy files in the folder", dir_.string());
    if (inputs_.size() == 1) {
      files_[0] = all;
      return;
    }
    for (size_t i = 0; i < inputs_.size(); ++i) {
      for (size_t k = 0;; ++k) {
        const fs::path p = dir_ / fmt::format("{}_{}.npy", inputs_[i].name, k);
        if (!fs::exists(p)) break;
        files_[i].push_back(p);
      }
      if (files_[i].empty())
        throw_invalid_argument(
            "--calib-data {}: no {}_0.npy: a model with several inputs needs each input's files "
            "named <input>_<i>.npy",
            dir_.string(), inputs_[i].name);
    }
  }

  // The running sample counts at the end of each of the input's files (each file read once to
  // check it; only one is held at a time).
  std::vector<size_t> count_rows(size_t input) {
    std::vector<size_t> ends;
    size_t total = 0;
    for (size_t f = 0; f < files_[input].size(); ++f) {
      total += static_cast<size_t>(checked(input, f).dims()[0]);
      ends.push_back(total);
    }
    return ends;
  }

  ir::Tensor checked(size_t input, size_t file) const {
    const fs::path& path = files_[input][file];
    ir::Tensor t = read_npy(path);
    const SampleInput& in = inputs_[input];
    ir::Dims want = {t.dims().empty() ? 0 : t.dims()[0]};
    want.insert(want.end(), in.sample_dims.begin(), in.sample_dims.end());
    if (t.dtype() != in.dtype || t.dims() != want)
      throw_invalid_argument("{}: {}{} does not fit input '{}' ({}[k,{}])", path.string(),
                             ir::dtype_name(t.dtype()), ir::to_string(t.dims()), in.name,
                             ir::dtype_name(in.dtype), fmt::join(in.sample_dims, ","));
    return t;
  }

  fs::path dir_;
  std::vector<SampleInput> inputs_;
  std::vector<std::vector<fs::path>> files_;
  std::vector<std::vector<size_t>> rows_;
  std::vector<Loaded> loaded_;
  size_t count_ = 0;
};

class DatasetSamples : public CalibrationSamples {
 public:
  DatasetSamples(std::shared_ptr<const Dataset> dataset, const InputLayout& layout, size_t count)
      : dataset_(std::move(dataset)), layout_(layout), count_(std::min(count, dataset_->size())) {}
  size_t size() const override { return count_; }
  std::string describe() const override {
    return fmt::format("{} samples of {}", count_, dataset_->name());
  }
  void read(size_t index, size_t, std::byte* out) override {
    const ir::Tensor t = TensorAccess::to_ir(dataset_->load(index, layout_));
    std::memcpy(out, t.raw(), t.size_bytes());
  }

 private:
  std::shared_ptr<const Dataset> dataset_;
  InputLayout layout_;
  size_t count_;
};

bool holds_npy(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".npy") return true;
  return false;
}

}  // namespace

std::vector<SampleInput> sample_inputs(const ir::Graph& graph) {
  std::vector<SampleInput> inputs;
  for (const ir::ValueInfo* v : graph.runtime_inputs()) {
    const std::optional<ir::Shape>& shape = v->type.shape;
    SampleInput in{v->name, v->type.dtype, {}};
    for (size_t i = 1; shape && i < shape->size() && (*shape)[i].is_known(); ++i)
      in.sample_dims.push_back((*shape)[i].value);
    if (!shape || shape->empty() || in.sample_dims.size() + 1 != shape->size())
      throw_invalid_argument(
          "input '{}' is {}: calibration needs every dim but the batch (the first) known; fix "
          "it with --input-shape",
          v->name, ir::to_string(v->type));
    inputs.push_back(std::move(in));
  }
  return inputs;
}

std::unique_ptr<CalibrationSamples> open_calibration_samples(const std::string& spec,
                                                             const std::vector<SampleInput>& inputs,
                                                             size_t count, uint64_t seed,
                                                             const std::string& mean,
                                                             const std::string& scale) {
  if (count == 0) throw_invalid_argument("--calib-count must be at least 1");
  if (spec.empty()) return std::make_unique<RandomSamples>(inputs, count, seed);
  if (holds_npy(spec)) return std::make_unique<NpySamples>(spec, inputs, count);
  if (inputs.size() != 1)
    throw_invalid_argument(
        "--calib-data {}: a dataset feeds a model with one input; this one has {}", spec,
        inputs.size());
  const ir::Dims& d = inputs[0].sample_dims;
  if (inputs[0].dtype != ir::DType::F32 || d.size() != 3)
    throw_invalid_argument(
        "--calib-data {}: a dataset feeds one f32 [N,C,H,W] input; '{}' is {}[N,{}]", spec,
        inputs[0].name, ir::dtype_name(inputs[0].dtype), fmt::join(d, ","));
  return dataset_samples(open_dataset(spec, count),
                         dataset_layout(spec, d[0], d[1], d[2], mean, scale), count);
}

std::unique_ptr<CalibrationSamples> dataset_samples(std::shared_ptr<const Dataset> dataset,
                                                    const InputLayout& layout, size_t count) {
  return std::make_unique<DatasetSamples>(std::move(dataset), layout, count);
}

}  // namespace zenith::tools
