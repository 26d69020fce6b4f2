// qconv_fusion: which QDQ convolutions become zenith.QConv, computing the same on REF.
#include "passes/qconv_fusion.h"

#include <gtest/gtest.h>

#include "passes/constant_folding.h"
#include "passes/pass_test_util.h"
#include "passes/pipeline.h"
#include "passes/quantize.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::count_ops;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// X -> Conv 3x3 (+B) -> Relu -> Conv 1x1 -> Y, both convs quantized with X in [-1, 1) and the
// Relu output in [0, 4], and the i32 bias's DequantizeLinear folded to f32 (as the pipeline
// does before it fuses).
ir::Graph quantized_pair() {
  auto g = make_graph(
      {make_node("Conv", {"x", "w1", "b1"}, {"c1"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
       make_node("Relu", {"c1"}, {"r"}), make_node("Conv", {"r", "w2"}, {"y"})},
      {"x"}, {"y"},
      {{"w1", random_tensor({8, 3, 3, 3}, 2)},
       {"b1", random_tensor({8}, 3)},
       {"w2", random_tensor({4, 8, 1, 1}, 4)}});
  g->nodes[0].name = "conv1";
  g->nodes[2].name = "conv2";
  quantize_qdq(*g, {"conv1", "conv2"}, {{"x", {-1.0f, 1.0f}}, {"r", {0.0f, 4.0f}}});
  fold_constants(*g);
  return *g;
}

const std::map<std::string, ir::Value> kFeeds = {{"x", random_tensor({2, 3, 7, 9}, 1)}};

TEST(QConvFusion, FusesBothConvsAndComputesTheSameOnRef) {
  ir::Graph graph = quantized_pair();
  const ir::Graph qdq = graph;
  EXPECT_EQ(fuse_quantized_convs(graph), (ChangeCounts{{"QConv", 2}}));
  EXPECT_EQ(count_ops(graph, "QConv"), 2u);
  EXPECT_EQ(count_ops(graph, "Conv"), 0u);
  const ir::Node& q1 =
      graph.nodes[std::find_if(graph.nodes.begin(), graph.nodes.end(),
                               [](const ir::Node& n) { return n.name == "conv1"; }) -
                  graph.nodes.begin()];
  EXPECT_EQ(q1.domain, "zenith");
  EXPECT_EQ(q1.inputs, (std::vector<std::string>{"x/quantized", "x/scale", "w1/quantized",
                                                 "w1/scale", "b1/dequantized"}));
  testing::expect_same_outputs(qdq, graph, kFeeds);
}

TEST(QConvFusion, ThePipelineFusesAndDropsTheWeightDequantizers) {
  ir::Graph graph = quantized_pair();
  const ir::Graph qdq = graph;
  run_default_passes(graph);
  EXPECT_EQ(count_ops(graph, "QConv"), 2u);
  EXPECT_EQ(count_ops(graph, "DequantizeLinear"), 0u);
  EXPECT_EQ(count_ops(graph, "QuantizeLinear"), 2u);
  EXPECT_EQ(graph.initializers.at("w1/quantized").dtype(), ir::DType::I8);
  testing::expect_same_outputs(qdq, graph, kFeeds);
}

TEST(QConvFusion, LeavesConvsItCannotReadAsIntegers) {
  ir::Graph f32_weight = quantized_pair();
  for (ir::Node& n : f32_weight.nodes)
    if (n.name == "conv2") n.inputs[1] = "w2_f32";
  f32_weight.initializers["w2_f32"] = random_tensor({4, 8, 1, 1}, 9);
  EXPECT_EQ(fuse_quantized_convs(f32_weight), (ChangeCounts{{"QConv", 1}}));
}

// An activation zero point other than 0 (ONNX Runtime's asymmetric u8) becomes QConv's input 5.
TEST(QConvFusion, ANonzeroActivationZeroPointIsTakenAlong) {
  ir::Graph graph = quantized_pair();
  graph.initializers.at("x/zero_point").data<int8_t>()[0] = 3;
  const ir::Graph qdq = graph;
  EXPECT_EQ(fuse_quantized_convs(graph), (ChangeCounts{{"QConv", 2}}));
  const auto qconv = std::find_if(graph.nodes.begin(), graph.nodes.end(),
                                  [](const ir::Node& n) { return n.op_type == "QConv"; });
  ASSERT_EQ(qconv->inputs.size(), 6u);
  EXPECT_EQ(qconv->inputs[5], "x/zero_point");
  testing::expect_same_outputs(qdq, graph, kFeeds);
}

}  // namespace
}  // namespace zenith::passes
