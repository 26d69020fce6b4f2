// quantize_qdq: the QDQ form it writes, and that REF running it stays close to f32.
#include "passes/quantize.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ir/errors.h"
#include "passes/constant_folding.h"
#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::count_ops;
using testing::make_graph;
using testing::make_node;
using testing::named;
using testing::random_tensor;

// X [2,3,8,8] -> Conv 3x3 (+B) -> Relu -> r -> Conv 1x1 -> c -> Flatten -> Gemm (transB, +C) -> y
std::shared_ptr<ir::Graph> conv_net() {
  return make_graph(
      {named(make_node("Conv", {"x", "w1", "b1"}, {"c1"},
                       {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
             "conv1"),
       named(make_node("Relu", {"c1"}, {"r"}), "relu"),
       named(make_node("Conv", {"r", "w2"}, {"c"}), "conv2"),
       named(make_node("Flatten", {"c"}, {"f"}), "flatten"),
       named(make_node("Gemm", {"f", "wg", "bg"}, {"y"}, {{"transB", int64_t{1}}}), "gemm")},
      {"x"}, {"y"},
      {{"w1", random_tensor({8, 3, 3, 3}, 2)},
       {"b1", random_tensor({8}, 3)},
       {"w2", random_tensor({4, 8, 1, 1}, 4)},
       {"wg", random_tensor({10, 256}, 5)},
       {"bg", random_tensor({10}, 6)}});
}

// Each value's min and largest magnitude, from a REF run that outputs it.
std::map<std::string, ActivationRange> ranges_of(const ir::Graph& graph,
                                                 const std::vector<std::string>& values,
                                                 const std::map<std::string, ir::Value>& feeds) {
  ir::Graph observed = graph;
  for (const std::string& v : values) observed.outputs.push_back({v, {}});
  const std::vector<ir::Value> out = testing::run_graph(observed, feeds);
  std::map<std::string, ActivationRange> ranges;
  for (size_t i = 0; i < values.size(); ++i) {
    const ir::Tensor& t = out[graph.outputs.size() + i].tensor();
    ActivationRange r{1e30f, 0.0f};
    for (int64_t k = 0; k < t.numel(); ++k) {
      r.min = std::min(r.min, t.data<float>()[k]);
      r.threshold = std::max(r.threshold, std::fabs(t.data<float>()[k]));
    }
    ranges[values[i]] = r;
  }
  return ranges;
}

double cosine(const ir::Tensor& a, const ir::Tensor& b) {
  double dot = 0, na = 0, nb = 0;
  for (int64_t k = 0; k < a.numel(); ++k) {
    dot += a.data<float>()[k] * b.data<float>()[k];
    na += a.data<float>()[k] * a.data<float>()[k];
    nb += b.data<float>()[k] * b.data<float>()[k];
  }
  return dot / std::sqrt(na * nb);
}

TEST(Quantize, WritesQdqWithPerChannelWeightsAndStaysNearF32) {
  auto graph = conv_net();
  const std::vector<std::string> nodes = quantizable_nodes(*graph);
  EXPECT_EQ(nodes, (std::vector<std::string>{"conv1", "conv2", "gemm"}));
  const std::set<std::string> chosen(nodes.begin(), nodes.end());
  const std::vector<std::string> activations = quantized_activations(*graph, chosen);
  EXPECT_EQ(activations, (std::vector<std::string>{"x", "r", "f"}));
  const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({2, 3, 8, 8}, 1)}};
  const ir::Graph f32 = *graph;

  const ChangeCounts changes = quantize_qdq(*graph, chosen, ranges_of(f32, activations, feeds));
  EXPECT_EQ(changes, (ChangeCounts{{"Conv", 2}, {"Gemm", 1}, {"QuantizeLinear", 3}}));
  EXPECT_EQ(count_ops(*graph, "QuantizeLinear"), 3u);
  EXPECT_EQ(count_ops(*graph, "DequantizeLinear"), 3u + 3u + 2u);  // activations, weights, biases
  // The f32 weights and biases are gone; s8 weights with a scale per output channel replace them.
  for (const char* w : {"w1", "b1", "w2", "wg", "bg"})
    EXPECT_EQ(graph->initializers.count(w), 0u) << w;
  EXPECT_EQ(graph->initializers.at("w1/quantized").dtype(), ir::DType::I8);
  EXPECT_EQ(graph->initializers.at("w1/scale").dims(), ir::Dims{8});
  EXPECT_EQ(graph->initializers.at("wg/scale").dims(), ir::Dims{10});
  EXPECT_EQ(graph->initializers.at("b1/quantized").dtype(), ir::DType::I32);
  // r is after a Relu: u8; x is signed: s8.
  EXPECT_EQ(graph->initializers.at("r/zero_point").dtype(), ir::DType::U8);
  EXPECT_EQ(graph->initializers.at("x/zero_point").dtype(), ir::DType::I8);

  const ir::Tensor want = testing::run_graph(f32, feeds)[0].tensor();
  const ir::Tensor got = testing::run_graph(*graph, feeds)[0].tensor();
  EXPECT_GT(cosine(want, got), 0.999);
}

TEST(Quantize, MatMulWeightsAreScaledPerColumnAndASharedInputIsQuantizedOnce) {
  auto graph = make_graph({named(make_node("MatMul", {"a", "b1"}, {"y1"}), "mm1"),
                           named(make_node("MatMul", {"a", "b2"}, {"y2"}), "mm2")},
                          {"a"}, {"y1", "y2"},
                          {{"b1", random_tensor({16, 5}, 2)}, {"b2", random_tensor({16, 7}, 3)}});
  const std::map<std::string, ir::Value> feeds = {{"a", random_tensor({3, 4, 16}, 1)}};
  const ir::Graph f32 = *graph;
  const std::set<std::string> chosen = {"mm1", "mm2"};
  quantize_qdq(*graph, chosen, ranges_of(f32, {"a"}, feeds));
  EXPECT_EQ(count_ops(*graph, "QuantizeLinear"), 1u);
  EXPECT_EQ(graph->initializers.at("b1/scale").dims(), ir::Dims{5});
  const auto want = testing::run_graph(f32, feeds), got = testing::run_graph(*graph, feeds);
  for (size_t i = 0; i < 2; ++i) EXPECT_GT(cosine(want[i].tensor(), got[i].tensor()), 0.999) << i;
}

TEST(Quantize, LeavesWhatItCannotQuantize) {
  auto graph =
      make_graph({named(make_node("Conv", {"x", "w"}, {"c"}), "weight_is_an_input"),
                  named(make_node("Gemm", {"f", "wg"}, {"g"}, {{"alpha", 2.0f}}), "scaled_gemm"),
                  named(make_node("MatMul", {"f", "b3"}, {"m"}), "batched_weight")},
                 {"x", "w", "f"}, {"c", "g", "m"},
                 {{"wg", random_tensor({4, 4}, 2)}, {"b3", random_tensor({2, 4, 4}, 3)}});
  EXPECT_TRUE(quantizable_nodes(*graph).empty());
}

TEST(Quantize, NamesTheNodeWhoseInputHasNoRange) {
  auto graph = conv_net();
  const std::set<std::string> chosen = {"conv1"};
  try {
    quantize_qdq(*graph, chosen, {});
    FAIL() << "quantized without a range";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_STREQ(e.what(), "node 'conv1' (Conv): no calibrated range for its input 'x'");
  }
}

TEST(Quantize, ConstantFoldingKeepsTheQuantizedWeights) {
  auto graph = conv_net();
  const std::set<std::string> chosen = {"conv2"};
  const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({2, 3, 8, 8}, 1)}};
  quantize_qdq(*graph, chosen, ranges_of(*graph, {"r"}, feeds));
  fold_constants(*graph);
  EXPECT_EQ(count_ops(*graph, "DequantizeLinear"), 2u);
  EXPECT_EQ(graph->initializers.at("w2/quantized").dtype(), ir::DType::I8);
}

// A residual Add of a quantized convolution's output and its (quantized) input reads the input
// through the DequantizeLinear the convolution reads: the skip is quantized too, as ONNX
// Runtime's quantizer writes it. An Add of two values no quantized node wrote is left alone.
TEST(Quantize, ResidualAddsReadTheSkipDequantized) {
  const auto graph = make_graph(
      {named(make_node("Conv", {"x", "w"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
             "conv"),
       named(make_node("Add", {"c", "x"}, {"s"}), "residual"),
       named(make_node("Add", {"s", "x"}, {"y"}), "plain")},
      {"x"}, {"y"}, {{"w", random_tensor({3, 3, 3, 3}, 2)}});
  const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({1, 3, 5, 5}, 1)}};
  const ChangeCounts changes = quantize_qdq(*graph, {"conv"}, ranges_of(*graph, {"x"}, feeds));
  EXPECT_EQ(changes.at("residual Add"), 1u);
  for (const ir::Node& n : graph->nodes) {
    if (n.name == "residual") {
      EXPECT_EQ(n.inputs[1], "x/dequantized");
    }
    if (n.name == "plain") {
      EXPECT_EQ(n.inputs[1], "x");
    }
  }
}

}  // namespace
}  // namespace zenith::passes
