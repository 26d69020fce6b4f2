// zenith::ModelBuilder: a model described in C++ code, layer by layer (BigDL's way), its
// parameters initialized as PyTorch initializes them. The result is an ordinary Model: compile
// it, save it as ONNX, or train it (`zenith train --model densenet-small` builds with this).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "zenith/export.h"
#include "zenith/model.h"

namespace zenith {

// Each layer method takes the names of values in the model (an input or an earlier layer's
// output) and returns the name of its own output. Layers are NCHW and f32; the batch dimension
// stays symbolic ("batch"), so the model takes any batch. Batch normalization is in training
// form (ONNX training_mode 1: batch statistics, running statistics updated), which is what a
// trainer needs; a trained model is deployed in inference form. Methods throw Error
// (InvalidArgument) naming the layer for an unknown value or impossible dimensions.
class ZENITH_API ModelBuilder {
 public:
  // `seed` makes the initial parameters reproducible.
  explicit ModelBuilder(const std::string& name, uint64_t seed = 0);
  ~ModelBuilder();
  ModelBuilder(ModelBuilder&&) noexcept;
  ModelBuilder& operator=(ModelBuilder&&) noexcept;

  // An f32 input [batch, sample...], e.g. sample {1, 28, 28}.
  std::string input(const std::string& name, const Shape& sample);

  // Convolution with He-normal weights (fan in, as torchvision's DenseNet and kaiming_normal_),
  // no bias unless asked (a batch norm usually follows).
  std::string conv(const std::string& x, int64_t out_channels, int64_t kernel, int64_t stride = 1,
                   int64_t padding = 0, int64_t groups = 1, bool bias = false);
  // Batch normalization over channels: scale 1, shift 0, PyTorch's epsilon and momentum.
  std::string batch_norm(const std::string& x);
  std::string relu(const std::string& x);
  std::string sigmoid(const std::string& x);
  std::string max_pool(const std::string& x, int64_t kernel, int64_t stride, int64_t padding = 0);
  std::string average_pool(const std::string& x, int64_t kernel, int64_t stride);
  std::string global_average_pool(const std::string& x);  // [N, C, H, W] -> [N, C, 1, 1]
  std::string flatten(const std::string& x);              // [N, ...] -> [N, rest]
  // [N, in] -> [N, out]: weights and bias uniform in +-1 / sqrt(in), as torch.nn.Linear.
  std::string linear(const std::string& x, int64_t out_features);
  std::string concat(const std::vector<std::string>& xs);  // along channels
  std::string add(const std::string& a, const std::string& b);

  // Marks `x` as a model output, renamed to `name` unless that is empty.
  void output(const std::string& x, const std::string& name = "");
  // The dims of `x`, the batch as -1.
  Shape shape(const std::string& x) const;

  // The model so far (at least one output), ready for Core::compile_model or training.
  Model build() const;
  // Writes it as ONNX (opset 17), e.g. for PyTorch or ONNX Runtime.
  void save(const std::filesystem::path& path) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zenith
