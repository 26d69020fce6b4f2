// The zoo's Fashion-MNIST CNN (tests/models/train_fashion_mnist.py) scored by Zenith on the
// 10,000-image test set, held to MLPerf's closed-division rule against PyTorch's accuracy.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "devices/cpu/cpu_isa.h"
#include "ir/zir.h"
#include "passes/pipeline.h"
#include "runtime/session.h"
#include "testing/temp_dir.h"
#include "tools/accuracy.h"
#include "tools/int8_conversion.h"
#include "zenith/zenith.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

// MLPerf closed division: at least 99% of the FP32 reference's accuracy.
constexpr double kClosedDivisionShare = 0.99;
constexpr int64_t kBatch = 250;

// Top-1 of `model` on CPU over the whole test set; the nodes' precisions in `placement`.
AccuracyReport fashion_mnist_top1(const fs::path& model, const InputLayout& layout,
                                  const Config& config = {},
                                  std::vector<NodePlacement>* placement = nullptr) {
  const auto dataset = open_dataset("fashion-mnist");
  const Core core;
  Model loaded = core.read_model(model.string());
  loaded.reshape(Shape{kBatch, 1, 28, 28});  // 10,000 images in whole batches
  const CompiledModel compiled = core.compile_model(loaded, "CPU", config);
  if (placement) *placement = compiled.placement();
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
    EXPECT_EQ(logits.shape(), (Shape{n, 10}));
    scores.insert(scores.end(), logits.data<float>(), logits.data<float>() + logits.size());
  }
  return top1_accuracy(*dataset, indices, scores);
}

class AccuracyZoo : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(model_)) << model_ << " is absent: run `ctest -L models`";
    ASSERT_TRUE(fs::exists(kFashionMnistDir))
        << kFashionMnistDir << " is absent: run scripts/install-deps.sh";
    reference_ = nlohmann::json::parse(std::ifstream(zoo_ / "fashion_mnist_reference.json"));
    layout_ = {1,
               28,
               28,
               {reference_["mean"][0].get<float>(), 0, 0},
               {reference_["scale"][0].get<float>(), 1, 1}};
  }
  const fs::path zoo_ = fs::path(ZENITH_BINARY_DIR) / "zoo";
  const fs::path model_ = zoo_ / "fashion_mnist.onnx";
  nlohmann::json reference_;
  InputLayout layout_;
};

TEST_F(AccuracyZoo, FashionMnistOnCpuKeepsNinetyNinePercentOfPyTorch) {
  const AccuracyReport report = fashion_mnist_top1(model_, layout_);
  const double pytorch = reference_["top1"].get<double>();
  std::cout << fmt::format(
      "fashion_mnist top-1 on {} images: Zenith CPU {:.4f}, PyTorch {:.4f} ({:.2f}%)\n",
      report.samples, report.value, pytorch, 100 * report.value / pytorch);
  EXPECT_EQ(report.samples, reference_["samples"].get<size_t>());
  EXPECT_GE(report.value, kClosedDivisionShare * pytorch);
  // The weights are trained, so far above chance (10%): a runtime that scrambled them would not
  // pass.
  EXPECT_GE(pytorch, 0.85);
}

// INT8 as `zenith convert --precision int8` writes it, calibrated on 300 training images (none
// of the test images it is scored on), keeps 99% of the f32 model's top-1.
TEST_F(AccuracyZoo, FashionMnistInt8KeepsNinetyNinePercentOfF32) {
  const testing::TempDir dir("int8");
  ir::Graph graph = runtime::load_graph(model_);
  passes::run_default_passes(graph);
  const Int8Report int8 =
      quantize_int8(graph, {.calib_data = "fashion-mnist-train",
                            .mean = fmt::format("{}", reference_["mean"][0].get<float>()),
                            .scale = fmt::format("{}", reference_["scale"][0].get<float>()),
                            .run = {"CPU", 0},
                            .metric = ""});
  EXPECT_FALSE(int8.random);
  EXPECT_EQ(int8.quantized.at("Conv"), 2u);
  ir::write_zir(graph, dir / "fashion_mnist_int8.zir", {});
  const double f32 = fashion_mnist_top1(model_, layout_).value;
  const AccuracyReport report = fashion_mnist_top1(dir / "fashion_mnist_int8.zir", layout_);
  std::cout << fmt::format(
      "fashion_mnist top-1 on {} images: INT8 {:.4f}, f32 {:.4f} ({:.2f}%); {}\n", report.samples,
      report.value, f32, 100 * report.value / f32, int8.samples);
  EXPECT_GE(report.value, kClosedDivisionShare * f32);
  EXPECT_GE(f32, 0.85);
}

// BF16 (inference_precision) keeps 99% of the f32 model's top-1, every Conv and Gemm computing
// in BF16 where the CPU has BF16 instructions.
TEST_F(AccuracyZoo, FashionMnistBf16KeepsNinetyNinePercentOfF32) {
  Config config;
  config.inference_precision = InferencePrecision::bf16;
  std::vector<NodePlacement> placement;
  const AccuracyReport report = fashion_mnist_top1(model_, layout_, config, &placement);
  const double f32 = fashion_mnist_top1(model_, layout_).value;
  std::cout << fmt::format("fashion_mnist top-1 on {} images: BF16 {:.4f}, f32 {:.4f} ({:.2f}%)\n",
                           report.samples, report.value, f32, 100 * report.value / f32);
  EXPECT_GE(report.value, kClosedDivisionShare * f32);
  EXPECT_GE(f32, 0.85);
  size_t narrowed = 0;
  for (const NodePlacement& p : placement) narrowed += p.precision == "bf16";
  EXPECT_EQ(narrowed, cpu::bf16_dot_product() ? 4u : 0u) << "2 Conv and 2 Gemm";
}

}  // namespace
}  // namespace zenith::tools
