// The training ops autograd emits for batch norm, pooling and ReLU (zenith.BatchNormTrain,
// BatchNormGrad, MaxPoolGrad, AveragePoolGrad, ReluGrad): CPU's oneDNN kernels against REF's
// on awkward shapes, and REF's running statistics against PyTorch's formula.
#include <cmath>

#include "cpu/differential.h"
#include "devices/reference/interpreter.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::positive_tensor;
using testing::random_tensor;
using testing::zenith_node;
using Attrs = std::map<std::string, ir::Attribute>;
using Ints = std::vector<int64_t>;

// Sums over per-channel batches of a few hundred elements, in f32 on CPU and f64 on REF.
constexpr testing::CpuExpectation kSums = {.rtol = 1e-3, .atol = 1e-4};

// `relu`: with a Relu fused (attribute relu = 1).
void check_batch_norm_train(const ir::Dims& x, bool relu = false) {
  const int64_t c = x[1];
  auto g = make_graph({zenith_node("BatchNormTrain", {"X", "scale", "B", "mean", "var"},
                                   {"Y", "mean_out", "var_out", "saved_mean", "saved_var"},
                                   {{"momentum", 0.8f}, {"relu", int64_t{relu}}})},
                      {"X", "scale", "B", "mean", "var"},
                      {"Y", "mean_out", "var_out", "saved_mean", "saved_var"});
  expect_cpu_matches_ref(*g,
                         {{"X", random_tensor(x, 1)},
                          {"scale", random_tensor({c}, 2)},
                          {"B", random_tensor({c}, 3)},
                          {"mean", random_tensor({c}, 4)},
                          {"var", positive_tensor({c}, 5)}},
                         kSums);
}

TEST(CpuTrainingOps, BatchNormTrainMatchesRef) {
  check_batch_norm_train({3, 5, 7, 9});
  check_batch_norm_train({2, 16, 5, 5});
  check_batch_norm_train({4, 6, 11});
  check_batch_norm_train({2, 3, 3, 4, 5});
  // Whole channel blocks (8 or 16) take our own loops, the others oneDNN's primitives.
  check_batch_norm_train({3, 32, 13});
  check_batch_norm_train({2, 48, 3, 3, 2});
  for (const ir::Dims& x : {ir::Dims{3, 5, 7, 9}, ir::Dims{2, 48, 3, 3, 2}})
    check_batch_norm_train(x, true);
}

// running_var moves towards the batch's unbiased variance, as torch.nn.BatchNorm2d's does.
TEST(CpuTrainingOps, BatchNormTrainRunningStatisticsArePyTorchs) {
  auto g = make_graph(
      {zenith_node("BatchNormTrain", {"X", "scale", "B", "mean", "var"},
                   {"Y", "mean_out", "var_out", "saved_mean", "saved_var"}, {{"momentum", 0.9f}})},
      {"X", "scale", "B", "mean", "var"}, {"Y", "mean_out", "var_out", "saved_mean", "saved_var"});
  // One channel, values 1, 2, 3, 6: mean 3, unbiased variance 14 / 3.
  ir::Tensor x(ir::DType::F32, {2, 1, 2});
  const float values[] = {1, 2, 3, 6};
  std::copy(values, values + 4, x.data<float>());
  ir::Tensor one(ir::DType::F32, {1});
  one.data<float>()[0] = 1.0f;
  const auto out = ref::Interpreter().run(
      *g, {{"X", x}, {"scale", one}, {"B", one}, {"mean", one}, {"var", one}});
  EXPECT_NEAR(out[1].tensor().data<float>()[0], 0.9 * 1 + 0.1 * 3, 1e-6);
  EXPECT_NEAR(out[2].tensor().data<float>()[0], 0.9 * 1 + 0.1 * 14.0 / 3.0, 1e-6);
  // Y normalizes with the population variance 14 / 4: (1 - 3) / sqrt(3.5 + 1e-5) + 1; the
  // batch's mean and that variance are saved for the gradient.
  EXPECT_NEAR(out[0].tensor().data<float>()[0], -2.0 / std::sqrt(3.5 + 1e-5) + 1.0, 1e-5);
  EXPECT_NEAR(out[3].tensor().data<float>()[0], 3.0, 1e-6);
  EXPECT_NEAR(out[4].tensor().data<float>()[0], 3.5, 1e-6);
}

// The gradient holds for any statistics; a forward would give X's own (uniform in [-1, 1]:
// mean near 0, variance near 1/3).
// `relu`: with a Relu fused, whose output Y (input 5; uniform in [-1, 1], so half of dY
// counts) masks dY.
void check_batch_norm_grad(const ir::Dims& x, bool relu = false) {
  std::vector<std::string> inputs = {"X", "scale", "dY", "mean", "var"};
  if (relu) inputs.push_back("Y");
  auto g = make_graph({zenith_node("BatchNormGrad", inputs, {"dX", "dscale", "dB"},
                                   {{"epsilon", 1e-3f}, {"relu", int64_t{relu}}})},
                      inputs, {"dX", "dscale", "dB"});
  ir::Tensor mean = random_tensor({x[1]}, 4);
  for (int64_t c = 0; c < x[1]; ++c) mean.data<float>()[c] *= 0.1f;
  std::map<std::string, ir::Value> feeds = {{"X", random_tensor(x, 1)},
                                            {"scale", random_tensor({x[1]}, 2)},
                                            {"dY", random_tensor(x, 3)},
                                            {"mean", mean},
                                            {"var", positive_tensor({x[1]}, 5)}};
  if (relu) feeds["Y"] = random_tensor(x, 6);
  expect_cpu_matches_ref(*g, feeds, kSums);
}

TEST(CpuTrainingOps, BatchNormGradMatchesRef) {
  check_batch_norm_grad({3, 5, 7, 9});
  check_batch_norm_grad({2, 16, 5, 5});
  check_batch_norm_grad({4, 6, 11});
  check_batch_norm_grad({1, 8, 1, 3});
  check_batch_norm_grad({3, 32, 13});
  check_batch_norm_grad({2, 48, 3, 3, 2});
  for (const ir::Dims& x : {ir::Dims{3, 5, 7, 9}, ir::Dims{2, 48, 3, 3, 2}})
    check_batch_norm_grad(x, true);
}

// MaxPoolGrad for a pool of X with `attrs` whose output has dims `y`.
void check_max_pool_grad(const ir::Dims& x, const ir::Dims& y, Attrs attrs) {
  auto g = make_graph({zenith_node("MaxPoolGrad", {"X", "dY"}, {"dX"}, std::move(attrs))},
                      {"X", "dY"}, {"dX"});
  expect_cpu_matches_ref(*g, {{"X", random_tensor(x, 1)}, {"dY", random_tensor(y, 2)}});
}

TEST(CpuTrainingOps, MaxPoolGradPaddedStridedCeilDilated) {
  check_max_pool_grad(
      {2, 3, 11, 13}, {2, 3, 6, 7},
      {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
  check_max_pool_grad(
      {1, 17, 10, 9}, {1, 17, 5, 5},
      {{"kernel_shape", Ints{3, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}});
  check_max_pool_grad({1, 4, 12, 12}, {1, 4, 10, 10},
                      {{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}});
  check_max_pool_grad({2, 16, 8, 8}, {2, 16, 4, 4},
                      {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
}

// AveragePoolGrad for a pool of an input of dims `x` with `attrs` whose output has dims `y`.
void check_average_pool_grad(const ir::Dims& x, const ir::Dims& y, Attrs attrs) {
  attrs["input_shape"] = Ints(x.begin(), x.end());
  auto g = make_graph({zenith_node("AveragePoolGrad", {"dY"}, {"dX"}, std::move(attrs))}, {"dY"},
                      {"dX"});
  expect_cpu_matches_ref(*g, {{"dY", random_tensor(y, 2)}});
}

TEST(CpuTrainingOps, AveragePoolGradWithAndWithoutPadCounting) {
  const Attrs base = {
      {"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}};
  check_average_pool_grad({2, 5, 9, 11}, {2, 5, 5, 6}, base);
  Attrs counting = base;
  counting["count_include_pad"] = int64_t{1};
  check_average_pool_grad({2, 5, 9, 11}, {2, 5, 5, 6}, counting);
  // DenseNet's transition: 2x2, stride 2, on an odd size (the last row and column unread).
  check_average_pool_grad({2, 16, 7, 7}, {2, 16, 3, 3},
                          {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  check_average_pool_grad(
      {1, 3, 7, 8}, {1, 3, 4, 4},
      {{"kernel_shape", Ints{2, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}});
  check_average_pool_grad({2, 4, 13}, {2, 4, 6},
                          {{"kernel_shape", Ints{4}}, {"strides", Ints{2}}, {"pads", Ints{0, 1}}});
}

TEST(CpuTrainingOps, ReluGradMatchesRef) {
  for (const ir::Dims& x : {ir::Dims{2, 5, 7, 9}, ir::Dims{3, 16, 4, 4}, ir::Dims{7, 13}}) {
    auto g =
        make_graph({make_node("Relu", {"X"}, {"Y"}), zenith_node("ReluGrad", {"Y", "dY"}, {"dX"})},
                   {"X", "dY"}, {"dX"});
    expect_cpu_matches_ref(*g, {{"X", random_tensor(x, 1)}, {"dY", random_tensor(x, 2)}});
  }
}

}  // namespace
}  // namespace zenith
