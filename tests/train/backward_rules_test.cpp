// The pointwise, reduction, embedding and dropout backward rules against central finite
// differences of the training graph's own loss on REF, and training-mode Dropout's mask.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "reference/graph_builder.h"
#include "runtime/plan.h"
#include "testing/outputs.h"
#include "train/autograd.h"
#include "train/gradient_check.h"
#include "train/trainer.h"

namespace zenith::train {
namespace {

using testing::class_ids;
using testing::expect_gradients_match_finite_differences;
using testing::Feeds;
using testing::fixed;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

ir::Tensor scalar(float v) { return ir::Tensor::scalar(v); }

// GELU as PyTorch exports it (x (1 + erf(x / sqrt 2)) / 2), LeakyRelu, SiLU as exported
// (x sigmoid(x)), and Pow, Exp, Sqrt, Abs, Log, Neg, under mean squared error.
TEST(BackwardRules, PointwiseActivationsAndMath) {
  const auto model = fixed(make_graph({make_node("MatMul", {"x", "w"}, {"m"}),
                                       make_node("Div", {"m", "root2"}, {"d"}),
                                       make_node("Erf", {"d"}, {"e"}),
                                       make_node("Add", {"e", "one"}, {"a"}),
                                       make_node("Mul", {"m", "a"}, {"g1"}),
                                       make_node("Mul", {"g1", "half"}, {"gelu"}),
                                       make_node("LeakyRelu", {"gelu"}, {"l"}, {{"alpha", 0.1f}}),
                                       make_node("Sigmoid", {"l"}, {"sig"}),
                                       make_node("Mul", {"l", "sig"}, {"silu"}),
                                       make_node("Pow", {"silu", "three"}, {"cube"}),
                                       make_node("Exp", {"silu"}, {"ex"}),
                                       make_node("Add", {"ex", "one"}, {"ex1"}),
                                       make_node("Sqrt", {"ex1"}, {"root"}),
                                       make_node("Abs", {"m"}, {"abs"}),
                                       make_node("Add", {"abs", "one"}, {"abs1"}),
                                       make_node("Log", {"abs1"}, {"log"}),
                                       make_node("Neg", {"log"}, {"neg"}),
                                       make_node("Add", {"cube", "root"}, {"s1"}),
                                       make_node("Add", {"s1", "neg"}, {"s2"}),
                                       make_node("Gemm", {"s2", "v"}, {"logits"})},
                                      {"x"}, {"logits"},
                                      {{"w", random_tensor({4, 5}, 2)},
                                       {"v", random_tensor({5, 2}, 3)},
                                       {"root2", scalar(std::numbers::sqrt2_v<float>)},
                                       {"one", scalar(1.0f)},
                                       {"half", scalar(0.5f)},
                                       {"three", scalar(3.0f)}}),
                           {{"x", {3, 4}}});
  const TrainingGraph t = build_training_graph(*model, Loss::MeanSquaredError);
  // The scalar constants are no parameters; Pow's exponent gets no gradient.
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"w", "v"}));
  expect_gradients_match_finite_differences(
      t, {{"x", random_tensor({3, 4}, 1)}, {t.labels, random_tensor({3, 2}, 4)}});
}

// LayerNormalization over the last axis and over the last two (a [3, 4] scale, no bias),
// ReduceSum with keepdims over one axis and over all, ReduceMean without keepdims.
TEST(BackwardRules, LayerNormAndReductions) {
  const auto model = fixed(
      make_graph(
          {make_node("MatMul", {"x", "w"}, {"m"}),
           make_node("LayerNormalization", {"m", "scale", "bias"}, {"n"}),
           make_node("LayerNormalization", {"n", "scale2"}, {"n2"},
                     {{"axis", int64_t{1}}, {"epsilon", 1e-3f}}),
           make_node("ReduceSum", {"n2", "axis1"}, {"s"}), make_node("Mul", {"n2", "s"}, {"r"}),
           make_node("ReduceMean", {"r", "last"}, {"mm"}, {{"keepdims", int64_t{0}}}),
           make_node("ReduceSum", {"mm"}, {"all"}), make_node("Add", {"mm", "all"}, {"z"}),
           make_node("Gemm", {"z", "v"}, {"logits"})},
          {"x"}, {"logits"},
          {{"w", random_tensor({4, 4}, 2)},
           {"scale", random_tensor({4}, 3)},
           {"bias", random_tensor({4}, 4)},
           {"scale2", random_tensor({3, 4}, 5)},
           {"axis1", class_ids({1})},
           {"last", class_ids({-1})},
           {"v", random_tensor({3, 2}, 6)}}),
      {{"x", {2, 3, 4}}});
  const TrainingGraph t = build_training_graph(*model, Loss::MeanSquaredError);
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"w", "scale", "bias", "scale2", "v"}));
  expect_gradients_match_finite_differences(
      t, {{"x", random_tensor({2, 3, 4}, 1)}, {t.labels, random_tensor({2, 2}, 7)}});
}

// An embedding (Gather of a parameter's rows; ids repeat, one negative), then Gather along the
// sequence axis: one position (a scalar index) and a repeated pair of positions.
TEST(BackwardRules, EmbeddingAndSequenceGathers) {
  ir::Tensor first(ir::DType::I64, {});
  *first.data<int64_t>() = 0;
  const auto model = fixed(
      make_graph(
          {make_node("Gather", {"embedding", "ids"}, {"e"}), make_node("MatMul", {"e", "w"}, {"h"}),
           make_node("Gather", {"h", "first"}, {"f"}, {{"axis", int64_t{1}}}),
           make_node("Gather", {"h", "pair"}, {"p"}, {{"axis", int64_t{-2}}}),
           make_node("ReduceSum", {"p", "axis1"}, {"ps"}, {{"keepdims", int64_t{0}}}),
           make_node("Add", {"f", "ps"}, {"z"}), make_node("Gemm", {"z", "v"}, {"logits"})},
          {"ids"}, {"logits"},
          {{"embedding", random_tensor({5, 4}, 2)},
           {"w", random_tensor({4, 4}, 3)},
           {"first", first},
           {"pair", class_ids({2, 2})},
           {"axis1", class_ids({1})},
           {"v", random_tensor({4, 3}, 4)}}),
      {{"ids", {2, 3}}}, {"ids"});
  const TrainingGraph t = build_training_graph(*model, Loss::CrossEntropy);
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"embedding", "w", "v"}));
  const Feeds feeds = {{"ids", class_ids({1, 4, 4, 0, 1, -1}, {2, 3})},
                       {t.labels, class_ids({2, 0})}};
  expect_gradients_match_finite_differences(t, feeds);
  // Rows 2 and 3 are never looked up: no gradient; row 4 (ids 4, 4 and -1) gets three.
  const std::vector<ir::Value> out = ref::Interpreter().run(t.graph, feeds);
  const float* d = out[2].tensor().data<float>();
  for (int64_t j = 8; j < 16; ++j) EXPECT_EQ(d[j], 0.0f) << j;
}

// Training-mode Dropout (ratio 0.3, no mask output: autograd adds one). REF draws the same mask
// at every run with the same seed, so the loss is a function of the parameters.
TEST(BackwardRules, DropoutInTrainingMode) {
  ir::Tensor training(ir::DType::Bool, {});
  *training.data<bool>() = true;
  const auto model =
      fixed(make_graph(
                {make_node("Gemm", {"x", "w1"}, {"h"}),
                 make_node("Dropout", {"h", "ratio", "training"}, {"dropped"}),
                 make_node("Relu", {"dropped"}, {"r"}), make_node("Gemm", {"r", "w2"}, {"logits"})},
                {"x"}, {"logits"},
                {{"w1", random_tensor({6, 8}, 2)},
                 {"w2", random_tensor({8, 3}, 3)},
                 {"ratio", scalar(0.3f)},
                 {"training", training}}),
            {{"x", {4, 6}}});
  const TrainingGraph t = build_training_graph(*model, Loss::CrossEntropy);
  EXPECT_EQ(t.graph.nodes[1].outputs.size(), 2u);
  expect_gradients_match_finite_differences(
      t, {{"x", random_tensor({4, 6}, 1)}, {t.labels, class_ids({0, 2, 1, 1})}});
}

// Y = Dropout(x w) with x = 1 under mean(Y^2): about `ratio` of Y is dropped, a new mask each run
// seed (the trainer's step), dW zero where dropped and dY / (1 - ratio) = 2 Y / (n (1 - ratio))
// elsewhere, on CPU with REF behind it as the trainer runs it.
TEST(BackwardRules, DropoutMaskIsRandomPerStepAndScalesTheGradient) {
  constexpr float kRatio = 0.25f;
  constexpr int64_t kSide = 100;
  ir::Tensor training(ir::DType::Bool, {});
  *training.data<bool>() = true;
  const auto model =
      fixed(make_graph({make_node("Mul", {"x", "w"}, {"h"}),
                        make_node("Dropout", {"h", "ratio", "training"}, {"logits", "mask"})},
                       {"x"}, {"logits"},
                       {{"w", random_tensor({kSide, kSide}, 2)},
                        {"ratio", scalar(kRatio)},
                        {"training", training}}),
            {{"x", {kSide, kSide}}});
  const TrainingGraph t = build_training_graph(*model, Loss::MeanSquaredError);
  ir::Tensor ones(ir::DType::F32, {kSide, kSide});
  std::fill_n(ones.data<float>(), ones.numel(), 1.0f);
  const Feeds feeds = {{"x", ones}, {t.labels, ir::Tensor(ir::DType::F32, {kSide, kSide})}};
  const runtime::Plan plan(t.graph, {"CPU", "REF"});
  const ir::Tensor& w = t.graph.initializers.at("w");
  const auto n = static_cast<float>(w.numel());
  std::vector<std::vector<bool>> dropped(2);
  for (uint64_t seed = 0; seed < 2; ++seed) {
    const std::vector<ir::Value> out = plan.run(feeds, seed);
    const float* y = out[1].tensor().data<float>();
    const float* dw = out[2].tensor().data<float>();
    for (int64_t i = 0; i < w.numel(); ++i) {
      const bool gone = y[i] == 0.0f;
      dropped[seed].push_back(gone);
      if (gone) {
        ASSERT_EQ(dw[i], 0.0f) << i;
        continue;
      }
      ASSERT_NEAR(y[i], w.data<float>()[i] / (1 - kRatio), 1e-6) << i;
      ASSERT_NEAR(dw[i], 2 * y[i] / n / (1 - kRatio), 1e-9) << i;
    }
    // 10^4 draws: the fraction's standard deviation is 0.0043.
    const double fraction =
        static_cast<double>(std::count(dropped[seed].begin(), dropped[seed].end(), true)) / n;
    EXPECT_NEAR(fraction, kRatio, 0.02) << "seed " << seed;
  }
  // Independent masks differ at 2 ratio (1 - ratio) = 37.5% of the elements.
  size_t differ = 0;
  for (int64_t i = 0; i < w.numel(); ++i) differ += dropped[0][i] != dropped[1][i];
  EXPECT_NEAR(static_cast<double>(differ) / n, 2 * kRatio * (1 - kRatio), 0.03);
  // The trainer seeds each step's run with its step: at learning rate 0 the parameters stay,
  // and the loss still changes from step to step.
  Trainer trainer(*model,
                  {.loss = Loss::MeanSquaredError, .optimizer = {}, .devices = {"CPU", "REF"}});
  const float first = trainer.step({{"x", ones}}, feeds.at(t.labels).tensor(), 0.0f);
  EXPECT_NE(trainer.step({{"x", ones}}, feeds.at(t.labels).tensor(), 0.0f), first);
  // The trained model for inference drops nothing: Y = x w.
  const std::vector<ir::Value> inferred =
      ref::Interpreter().run(trainer.trained_model(*model), {{"x", ones}}, 7);
  for (int64_t i = 0; i < w.numel(); ++i)
    ASSERT_EQ(inferred[0].tensor().data<float>()[i], w.data<float>()[i]) << i;
}

// An LSTM (hidden 3, 4 steps, batch 2) whose W is assembled by Slice and Concat (as PyTorch's
// export reorders the gates; one slice with a negative start and an end past the dims), with a
// given initial h and c (which get no gradient), its Y, Y_h and Y_c all feeding the loss.
TEST(BackwardRules, LstmThroughTime) {
  constexpr int64_t kHidden = 3;
  const auto model = fixed(
      make_graph(
          {make_node("Slice", {"w_rows", "zero", "end", "zero"}, {"w_low"}),
           make_node("Slice", {"w_rows", "minus_half", "huge", "zero"}, {"w_high"}),
           make_node("Concat", {"w_high", "w_low"}, {"w_cat"}, {{"axis", int64_t{0}}}),
           make_node("Unsqueeze", {"w_cat", "zero"}, {"w"}),
           make_node("LSTM", {"x", "w", "r", "b", "", "h0", "c0"}, {"y", "y_h", "y_c"},
                     {{"hidden_size", kHidden}}),
           make_node("ReduceMean", {"y", "time_and_direction"}, {"y_mean"},
                     {{"keepdims", int64_t{0}}}),
           make_node("Squeeze", {"y_h", "zero"}, {"h"}),
           make_node("Squeeze", {"y_c", "zero"}, {"c"}), make_node("Add", {"y_mean", "h"}, {"s"}),
           make_node("Add", {"s", "c"}, {"z"}), make_node("Gemm", {"z", "v"}, {"logits"})},
          {"x"}, {"logits"},
          {{"w_rows", random_tensor({4 * kHidden, 2}, 2)},
           {"r", random_tensor({1, 4 * kHidden, kHidden}, 3)},
           {"b", random_tensor({1, 8 * kHidden}, 4)},
           {"h0", random_tensor({1, 2, kHidden}, 5)},
           {"c0", random_tensor({1, 2, kHidden}, 6)},
           {"v", random_tensor({kHidden, 2}, 7)},
           {"zero", class_ids({0})},
           {"end", class_ids({2 * kHidden})},
           {"minus_half", class_ids({-2 * kHidden})},
           {"huge", class_ids({std::numeric_limits<int64_t>::max()})},
           {"time_and_direction", class_ids({0, 1})}}),
      {{"x", {4, 2, 2}}});
  const TrainingGraph t = build_training_graph(*model, Loss::MeanSquaredError);
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"w_rows", "r", "b", "v"}));
  expect_gradients_match_finite_differences(
      t, {{"x", random_tensor({4, 2, 2}, 1)}, {t.labels, random_tensor({2, 2}, 8)}});
}

}  // namespace
}  // namespace zenith::train
