// Adagrad, Adam and Momentum (ai.onnx.preview.training) on the REF interpreter.
#include <gtest/gtest.h>

#include <cmath>

#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_tensor;
using testing::run_node;

constexpr const char* kTraining = "ai.onnx.preview.training";

TEST(RefAdagrad, DecaysTheRateAndAccumulatesSquaredGradients) {
  auto out = run_node(
      "Adagrad",
      {ir::Tensor::scalar(0.5f), ir::Tensor::scalar<int64_t>(2), make_tensor<float>({1}, {1.0f}),
       make_tensor<float>({1}, {2.0f}), make_tensor<float>({1}, {3.0f})},
      {{"decay_factor", 0.5f}, {"epsilon", 0.0f}, {"norm_coefficient", 1.0f}}, 2, kTraining);
  const double r = 0.5 / (1 + 2 * 0.5), g = 1 + 2.0, h = 3 + g * g;
  EXPECT_NEAR(out[1].tensor().as_double(0), h, 1e-6);
  EXPECT_NEAR(out[0].tensor().as_double(0), 1 - r * g / std::sqrt(h), 1e-6);
}

TEST(RefAdam, CorrectsTheRateForMomentumBiasAfterTheFirstStep) {
  auto out = run_node(
      "Adam",
      {ir::Tensor::scalar(0.1), ir::Tensor::scalar<int64_t>(3), make_tensor<double>({1}, {1.0}),
       make_tensor<double>({1}, {-1.0}), make_tensor<double>({1}, {2.0}),
       make_tensor<double>({1}, {0.5})},
      {{"alpha", 0.5f}, {"beta", 0.75f}, {"epsilon", 0.0f}, {"norm_coefficient_post", 0.5f}}, 3,
      kTraining);
  const double v = 0.5 * 2 + 0.5 * -1, h = 0.75 * 0.5 + 0.25 * 1;
  const double r = 0.1 * std::sqrt(1 - std::pow(0.75, 3)) / (1 - std::pow(0.5, 3));
  EXPECT_NEAR(out[1].tensor().as_double(0), v, 1e-12);
  EXPECT_NEAR(out[2].tensor().as_double(0), h, 1e-12);
  EXPECT_NEAR(out[0].tensor().as_double(0), 0.5 * (1 - r * v / std::sqrt(h)), 1e-12);
}

std::vector<ir::Value> momentum_step(const std::string& mode, int64_t t) {
  return run_node(
      "Momentum",
      {ir::Tensor::scalar(0.1f), ir::Tensor::scalar<int64_t>(t), make_tensor<float>({1}, {1.0f}),
       make_tensor<float>({1}, {2.0f}), make_tensor<float>({1}, {3.0f})},
      {{"alpha", 0.5f}, {"beta", 0.25f}, {"norm_coefficient", 0.0f}, {"mode", mode}}, 2, kTraining);
}

TEST(RefMomentum, StandardAndNesterovUpdates) {
  auto standard = momentum_step("standard", 1);
  const double v = 0.5 * 3 + 0.25 * 2;
  EXPECT_NEAR(standard[1].tensor().as_double(0), v, 1e-6);
  EXPECT_NEAR(standard[0].tensor().as_double(0), 1 - 0.1 * v, 1e-6);
  auto nesterov = momentum_step("nesterov", 1);
  EXPECT_NEAR(nesterov[0].tensor().as_double(0), 1 - 0.1 * (2 + 0.5 * v), 1e-6);
  // The first update (T = 0) takes the whole gradient: beta counts as 1.
  EXPECT_NEAR(momentum_step("standard", 0)[1].tensor().as_double(0), 0.5 * 3 + 2, 1e-6);
}

TEST(RefMomentum, RejectsAnUnknownMode) {
  try {
    momentum_step("heavy", 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("'mode' is 'heavy'"), std::string::npos) << e.what();
  }
}

TEST(RefAdagrad, RejectsMismatchedStateShapes) {
  try {
    run_node(
        "Adagrad",
        {ir::Tensor::scalar(0.5f), ir::Tensor::scalar<int64_t>(0), make_tensor<float>({2}, {1, 2}),
         make_tensor<float>({1}, {2}), make_tensor<float>({2}, {3, 4})},
        {}, 2, kTraining);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("input 3 is f32[1]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zenith
