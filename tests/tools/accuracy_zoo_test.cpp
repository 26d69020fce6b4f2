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
#include "tools/validation_metric.h"
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

// --metric top1 with a drop no quantization meets: the fallback returns convolutions to f32
// until top-1 on the validation subset is f32's, and reports the metric before and after.
TEST_F(AccuracyZoo, FashionMnistTop1FallbackHoldsTheTaskMetric) {
  ir::Graph graph = runtime::load_graph(model_);
  passes::run_default_passes(graph);
  const Int8Report int8 =
      quantize_int8(graph, {.calib_data = "fashion-mnist-train",
                            .calib_count = 100,
                            .mean = fmt::format("{}", reference_["mean"][0].get<float>()),
                            .scale = fmt::format("{}", reference_["scale"][0].get<float>()),
                            .run = {"CPU", 0},
                            .metric = "top1",
                            .max_drop = 1e-9,
                            .val_data = "fashion-mnist",
                            .val_count = 2000});
  ASSERT_TRUE(int8.metric);
  const MetricReport& m = *int8.metric;
  std::cout << fmt::format(
      "{}: f32 {:.4f}, every Conv INT8 {:.4f}, after the fallback {:.4f} ({} "
      "kept f32)\n",
      m.describe, m.f32[0], m.all_int8[0], m.int8[0], int8.kept_f32.size());
  EXPECT_EQ(m.names, std::vector<std::string>{"top-1"});
  EXPECT_GE(m.f32[0], 0.85);
  EXPECT_GE(m.int8[0], m.f32[0]);  // the bound: a drop of 1e-9
  EXPECT_EQ(int8.kept_f32.empty(), m.all_int8[0] >= m.f32[0]);
}

class AccuracyZooMultilabel : public AccuracyZoo {
 protected:
  // The multi-label model quantized with --metric auroc on the first `val_count` test images.
  Int8Report quantize(size_t calib_count, size_t val_count, double max_drop) {
    ir::Graph graph = runtime::load_graph(model_);
    passes::run_default_passes(graph);
    return quantize_int8(graph, {.calib_data = "fashion-mnist-train",
                                 .calib_count = calib_count,
                                 .mean = "0",
                                 .scale = "255",
                                 .run = {"CPU", 0},
                                 .metric = "auroc",
                                 .max_drop = max_drop,
                                 .val_data = "fashion-mnist",
                                 .val_count = val_count});
  }
  const fs::path model_ = zoo_ / "fashion_multilabel.onnx";
};

// The multi-label model (a small DenseNet with a sigmoid per class, trained on real data):
// INT8, calibrated on 300 training images, keeps each class's AUROC to 99% of f32's on the
// 10,000 test images with every convolution quantized, and f32 matches PyTorch class by class.
TEST_F(AccuracyZooMultilabel, Int8KeepsEachAurocToNinetyNinePercent) {
  ASSERT_TRUE(fs::exists(model_)) << model_ << " is absent: run `ctest -L models`";
  const auto pytorch =
      nlohmann::json::parse(std::ifstream(zoo_ / "fashion_multilabel_reference.json"))["auroc"];
  const Int8Report int8 = quantize(300, 10000, 0.01);
  ASSERT_TRUE(int8.metric);
  const MetricReport& m = *int8.metric;
  ASSERT_EQ(m.names.size(), 10u);
  EXPECT_TRUE(int8.kept_f32.empty());
  EXPECT_EQ(int8.quantized.at("Conv"), 8u);
  for (size_t i = 0; i < m.names.size(); ++i) {
    std::cout << fmt::format("{:<12} AUROC PyTorch {:.4f}, f32 {:.4f}, INT8 {:.4f}\n", m.names[i],
                             pytorch[m.names[i]].get<double>(), m.f32[i], m.int8[i]);
    EXPECT_NEAR(m.f32[i], pytorch[m.names[i]].get<double>(), 1e-3) << m.names[i];
    EXPECT_GE(m.int8[i], kClosedDivisionShare * m.f32[i]) << m.names[i];
    EXPECT_GE(m.f32[i], 0.85) << m.names[i] << ": trained, far above chance (0.5)";
  }
}

// Asked to keep every AUROC exactly (a drop of 1e-9), the fallback returns convolutions to f32
// until each class's AUROC is f32's (on fewer images, to keep it short).
TEST_F(AccuracyZooMultilabel, AurocFallbackHoldsEveryFinding) {
  ASSERT_TRUE(fs::exists(model_)) << model_ << " is absent: run `ctest -L models`";
  const Int8Report int8 = quantize(50, 500, 1e-9);
  ASSERT_TRUE(int8.metric);
  const MetricReport& m = *int8.metric;
  std::cout << fmt::format("{}: {} convolutions kept f32: {}\n", m.describe, int8.kept_f32.size(),
                           fmt::join(int8.kept_f32, ", "));
  EXPECT_TRUE(within_drop(m.int8, m.f32, 1e-9));
  EXPECT_EQ(int8.kept_f32.empty(), within_drop(m.all_int8, m.f32, 1e-9));
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
