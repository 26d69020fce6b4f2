// Learning-rate schedules and gradient clipping, against their formulas.
#include "train/schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "ir/errors.h"
#include "train/optimizer.h"

namespace zenith::train {
namespace {

TEST(Schedule, LinearScalingWarmUpAndStepDecay) {
  Schedule s{.lr = 0.1f,
             .scale_batch = 256,
             .batch = 1024,
             .warmup_steps = 4,
             .decay = "step",
             .step_size = 10,
             .gamma = 0.5f,
             .total_steps = 100};
  check_schedule(s);
  // 0.1 * 1024 / 256 = 0.4, reached at the end of the warm-up, halved every 10 steps after it.
  EXPECT_FLOAT_EQ(learning_rate(s, 0), 0.1f);
  EXPECT_FLOAT_EQ(learning_rate(s, 3), 0.4f);
  EXPECT_FLOAT_EQ(learning_rate(s, 4), 0.4f);
  EXPECT_FLOAT_EQ(learning_rate(s, 13), 0.4f);
  EXPECT_FLOAT_EQ(learning_rate(s, 14), 0.2f);
  EXPECT_FLOAT_EQ(learning_rate(s, 34), 0.05f);
}

TEST(Schedule, CosineDecayReachesZeroAtTheEnd) {
  Schedule s{.lr = 1.0f, .decay = "cosine", .total_steps = 10};
  EXPECT_FLOAT_EQ(learning_rate(s, 0), 1.0f);
  EXPECT_NEAR(learning_rate(s, 5), 0.5f, 1e-6);
  EXPECT_NEAR(learning_rate(s, 10), 0.0f, 1e-6);
  EXPECT_NEAR(learning_rate(s, 3), 0.5 * (1 + std::cos(std::numbers::pi * 0.3)), 1e-6);
}

TEST(Schedule, BadSettingsAreNamed) {
  EXPECT_THROW(check_schedule({.decay = "exponential"}), Error);
  EXPECT_THROW(check_schedule({.lr = 0.0f}), Error);
  EXPECT_THROW(check_schedule({.decay = "step", .step_size = 0}), Error);
}

// torch.nn.utils.clip_grad_norm_: the global norm over every gradient, scaled to the bound.
TEST(GradientClipping, ScalesAllGradientsToTheGlobalNorm) {
  ir::Tensor a(ir::DType::F32, {2}), b(ir::DType::F32, {1});
  a.data<float>()[0] = 3.0f, a.data<float>()[1] = 0.0f, b.data<float>()[0] = 4.0f;  // norm 5
  std::vector<ir::Tensor> grads = {a, b};
  EXPECT_DOUBLE_EQ(clip_gradients(grads, 10.0), 5.0);  // under the bound: unchanged
  EXPECT_FLOAT_EQ(grads[0].data<float>()[0], 3.0f);
  EXPECT_NEAR(clip_gradients(grads, 1.0), 5.0, 1e-9);
  EXPECT_NEAR(grads[0].data<float>()[0], 3.0 / (5.0 + 1e-6), 1e-6);
  EXPECT_NEAR(grads[1].data<float>()[0], 4.0 / (5.0 + 1e-6), 1e-6);
}

}  // namespace
}  // namespace zenith::train
