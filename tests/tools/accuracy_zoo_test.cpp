// The zoo's Fashion-MNIST CNN (tests/models/train_fashion_mnist.py) scored by Zenith on the
// 10,000-image test set, held to MLPerf's closed-division rule against PyTorch's accuracy.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tools/accuracy.h"
#include "zenith/zenith.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

// MLPerf closed division: at least 99% of the FP32 reference's accuracy.
constexpr double kClosedDivisionShare = 0.99;
constexpr int64_t kBatch = 250;

TEST(AccuracyZoo, FashionMnistOnCpuKeepsNinetyNinePercentOfPyTorch) {
  const fs::path zoo = fs::path(ZENITH_BINARY_DIR) / "zoo";
  const fs::path model = zoo / "fashion_mnist.onnx";
  ASSERT_TRUE(fs::exists(model)) << model << " is absent: run `ctest -L models`";
  ASSERT_TRUE(fs::exists(kFashionMnistDir)) << kFashionMnistDir << " is absent: run scripts/install-deps.sh";
  const nlohmann::json reference =
      nlohmann::json::parse(std::ifstream(zoo / "fashion_mnist_reference.json"));
  const InputLayout layout{1,
                           28,
                           28,
                           {reference["mean"][0].get<float>(), 0, 0},
                           {reference["scale"][0].get<float>(), 1, 1}};

  const auto dataset = open_dataset("fashion-mnist");
  const CompiledModel compiled = Core().compile_model(model, "CPU");
  InferRequest request = compiled.create_infer_request();
  const auto count = static_cast<int64_t>(dataset->size());
  const size_t per_sample = 28 * 28;
  std::vector<size_t> indices;
  std::vector<float> scores;
  for (int64_t first = 0; first < count; first += kBatch) {
    const int64_t n = std::min(kBatch, count - first);
    Tensor batch(ElementType::f32, {n, 1, 28, 28});
    for (int64_t i = 0; i < n; ++i) {
      const Tensor sample = dataset->load(static_cast<size_t>(first + i), layout);
      std::copy_n(sample.data<float>(), per_sample, batch.data<float>() + i * per_sample);
      indices.push_back(static_cast<size_t>(first + i));
    }
    request.set_input(0, batch);
    request.infer();
    const Tensor logits = request.get_output(0);
    ASSERT_EQ(logits.shape(), (Shape{n, 10}));
    scores.insert(scores.end(), logits.data<float>(), logits.data<float>() + logits.size());
  }
  const AccuracyReport report = top1_accuracy(*dataset, indices, scores);
  const double pytorch = reference["top1"].get<double>();
  std::cout << fmt::format(
      "fashion_mnist top-1 on {} images: Zenith CPU {:.4f}, PyTorch {:.4f} ({:.2f}%)\n",
      report.samples, report.value, pytorch, 100 * report.value / pytorch);
  EXPECT_EQ(report.samples, reference["samples"].get<size_t>());
  EXPECT_GE(report.value, kClosedDivisionShare * pytorch);
  // The weights are trained, so far above chance (10%): a runtime that scrambled them would not
  // pass.
  EXPECT_GE(pytorch, 0.85);
}

}  // namespace
}  // namespace zenith::tools
