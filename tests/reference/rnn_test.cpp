// RNN, GRU and LSTM on the REF interpreter, checked against hand-computed single-unit cases.
#include <gtest/gtest.h>

#include <cmath>

#include "reference/graph_builder.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_tensor;
using testing::run_node;
using testing::values_of;

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

void expect_near(const ir::Tensor& t, const std::vector<double>& expected) {
  ASSERT_EQ(t.numel(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(t.as_double(i), expected[i], 1e-6) << i;
}

TEST(RefRnn, BidirectionalRunsTheReverseDirectionBackToFront) {
  auto out = run_node(
      "RNN",
      {make_tensor<float>({2, 1, 1}, {0.5f, -1.0f}), make_tensor<float>({2, 1, 1}, {2, 2}),
       make_tensor<float>({2, 1, 1}, {0.5f, 0.5f}), make_tensor<float>({2, 2}, {1, 0, 1, 0})},
      {{"hidden_size", int64_t{1}}, {"direction", std::string("bidirectional")}}, 2);
  const double f0 = std::tanh(2.0), f1 = std::tanh(-1.0 + 0.5 * f0);
  const double r1 = std::tanh(-1.0), r0 = std::tanh(2.0 + 0.5 * r1);
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 2, 1, 1}));
  expect_near(out[0].tensor(), {f0, r0, f1, r1});
  expect_near(out[1].tensor(), {f1, r0});
}

TEST(RefRnn, SequenceLensStopRowsEarlyAndZeroTheirLaterOutputs) {
  auto out = run_node("RNN",
                      {make_tensor<float>({2, 2, 1}, {0.5f, 0.5f, -1.0f, -1.0f}),
                       make_tensor<float>({1, 1, 1}, {2}), make_tensor<float>({1, 1, 1}, {0.5f}),
                       make_tensor<float>({1, 2}, {1, 0}), make_tensor<int32_t>({2}, {2, 1})},
                      {}, 2);
  const double h0 = std::tanh(2.0), h1 = std::tanh(-1.0 + 0.5 * h0);
  expect_near(out[0].tensor(), {h0, h0, h1, 0.0});
  expect_near(out[1].tensor(), {h1, h0});
}

TEST(RefRnn, ActivationAlphasAndBetasGoOnlyToFunctionsThatTakeThem) {
  auto out =
      run_node("RNN",
               {make_tensor<float>({1, 1, 1}, {-1.0f}), make_tensor<float>({2, 1, 1}, {1, -1}),
                make_tensor<float>({2, 1, 1}, {0, 0})},
               {{"direction", std::string("bidirectional")},
                {"activations", std::vector<std::string>{"LeakyRelu", "HardSigmoid"}},
                {"activation_alpha", std::vector<float>{0.1f, 0.5f}},
                {"activation_beta", std::vector<float>{0.25f}}},
               2);
  expect_near(out[1].tensor(), {-0.1, 0.75});
}

TEST(RefRnn, RejectsWeightsOfTheWrongShape) {
  try {
    run_node("RNN", {make_tensor<float>({1, 1, 2}, {1, 2}), make_tensor<float>({1, 1, 1}, {1}),
                     make_tensor<float>({1, 1, 1}, {1})});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("input 'W' is f32[1,1,1], expected f32[1,1,2]"),
              std::string::npos)
        << e.what();
  }
}

// One GRU step of a single unit whose only recurrent weight is the candidate's (rh), from h0 = 1.
double gru_step(bool linear_before_reset) {
  const float bz = 0.3f, br = -0.4f, bh = 0.2f, rh = 0.7f, rbh = 0.6f;
  auto out = run_node("GRU",
                      {make_tensor<float>({1, 1, 1}, {5}), make_tensor<float>({1, 3, 1}, {0, 0, 0}),
                       make_tensor<float>({1, 3, 1}, {0, 0, rh}),
                       make_tensor<float>({1, 6}, {bz, br, bh, 0, 0, rbh}), ir::Tensor(),
                       make_tensor<float>({1, 1, 1}, {1})},
                      {{"linear_before_reset", int64_t{linear_before_reset}}}, 2);
  return out[1].tensor().as_double(0);
}

TEST(RefGru, LinearBeforeResetMovesTheResetGateOutsideTheRecurrence) {
  const double z = sigmoid(0.3f), r = sigmoid(-0.4f);
  const double plain = std::tanh(0.2f + 0.7f * r + 0.6f);
  const double linear = std::tanh(0.2f + r * (0.7f + 0.6f));
  EXPECT_NEAR(gru_step(false), (1 - z) * plain + z, 1e-6);
  EXPECT_NEAR(gru_step(true), (1 - z) * linear + z, 1e-6);
}

// One LSTM step of a single unit with zero weights, biases (i, o, f, c) and c0 = 0.5.
std::vector<ir::Value> lstm_step(const ir::Tensor& peepholes, bool input_forget) {
  return run_node("LSTM",
                  {make_tensor<float>({1, 1, 1}, {5}), make_tensor<float>({1, 4, 1}, {0, 0, 0, 0}),
                   make_tensor<float>({1, 4, 1}, {0, 0, 0, 0}),
                   make_tensor<float>({1, 8}, {0.1f, 0.2f, 0.3f, 0.4f, 0, 0, 0, 0}), ir::Tensor(),
                   ir::Tensor(), make_tensor<float>({1, 1, 1}, {0.5f}), peepholes},
                  {{"input_forget", int64_t{input_forget}}}, 3);
}

TEST(RefLstm, PeepholesLookAtTheOldCellForInputAndForgetAndTheNewOneForOutput) {
  auto out = lstm_step(make_tensor<float>({1, 3}, {1, 2, 3}), false);
  const double i = sigmoid(0.1f + 1 * 0.5), f = sigmoid(0.3f + 3 * 0.5);
  const double c = f * 0.5 + i * std::tanh(0.4f);
  const double o = sigmoid(0.2f + 2 * c);
  expect_near(out[2].tensor(), {c});
  expect_near(out[1].tensor(), {o * std::tanh(c)});
}

TEST(RefLstm, InputForgetCouplesTheForgetGateToTheInputGate) {
  auto out = lstm_step(ir::Tensor(), true);
  const double i = sigmoid(0.1f);
  expect_near(out[2].tensor(), {(1 - i) * 0.5 + i * std::tanh(0.4f)});
}

TEST(RefLstm, BatchFirstLayoutShapesEveryOutput) {
  auto out = run_node("LSTM",
                      {make_tensor<float>({2, 3, 1}, {1, 2, 3, 4, 5, 6}),
                       make_tensor<float>({1, 8, 1}, {1, 1, 1, 1, 1, 1, 1, 1}),
                       make_tensor<float>({1, 8, 2}, std::vector<float>(16, 0.1f))},
                      {{"layout", int64_t{1}}, {"hidden_size", int64_t{2}}}, 3);
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 3, 1, 2}));
  EXPECT_EQ(out[1].tensor().dims(), (ir::Dims{2, 1, 2}));
  EXPECT_EQ(out[2].tensor().dims(), (ir::Dims{2, 1, 2}));
  // Y_h of batch row 1 is its last step in Y.
  EXPECT_EQ(out[1].tensor().as_double(2), out[0].tensor().as_double(10));
}

}  // namespace
}  // namespace zenith
