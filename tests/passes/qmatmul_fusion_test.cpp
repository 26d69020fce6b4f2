// qmatmul_fusion: which QDQ Linear layers become zenith.QMatMul, computing the same on REF.
#include "passes/qmatmul_fusion.h"

#include <gtest/gtest.h>

#include "passes/constant_folding.h"
#include "passes/pass_test_util.h"
#include "passes/quantize.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::count_ops;
using testing::make_graph;
using testing::make_node;
using testing::named;
using testing::random_tensor;

// `g` with `nodes` quantized as `zenith convert` does, the i32 biases folded to f32.
ir::Graph quantized(std::shared_ptr<ir::Graph> g, const std::set<std::string>& nodes,
                    const std::map<std::string, ActivationRange>& ranges) {
  quantize_qdq(*g, nodes, ranges);
  fold_constants(*g);
  return *g;
}

const ir::Node& node_named(const ir::Graph& g, const std::string& name) {
  return *std::find_if(g.nodes.begin(), g.nodes.end(),
                       [&](const ir::Node& n) { return n.name == name; });
}

// PyTorch's Linear on a 3-D input (MatMul, then Add of the bias) twice, a ReLU between: both
// fuse, the first taking its Add's bias along.
TEST(QMatMulFusion, MatMulAndItsBiasAddBecomeOneNode) {
  ir::Graph graph = quantized(
      make_graph({named(make_node("MatMul", {"x", "w1"}, {"m1"}), "fc1"),
                  make_node("Add", {"m1", "b1"}, {"a1"}), make_node("Relu", {"a1"}, {"r"}),
                  named(make_node("MatMul", {"r", "w2"}, {"y"}), "fc2")},
                 {"x"}, {"y"},
                 {{"w1", random_tensor({6, 8}, 2)},
                  {"b1", random_tensor({8}, 3)},
                  {"w2", random_tensor({8, 4}, 4)}}),
      {"fc1", "fc2"}, {{"x", {-1.0f, 1.0f}}, {"r", {0.0f, 3.0f}}});
  const ir::Graph qdq = graph;
  EXPECT_EQ(fuse_quantized_matmuls(graph), (ChangeCounts{{"QMatMul", 2}}));
  EXPECT_EQ(count_ops(graph, "MatMul"), 0u);
  EXPECT_EQ(count_ops(graph, "Add"), 0u);
  const ir::Node& fc1 = node_named(graph, "fc1");
  EXPECT_EQ(fc1.domain, "zenith");
  EXPECT_EQ(fc1.inputs,
            (std::vector<std::string>{"x/quantized", "x/scale", "w1/quantized", "w1/scale", "b1"}));
  EXPECT_EQ(fc1.attr<int64_t>("transB", -1), 0);
  testing::expect_same_outputs(qdq, graph, {{"x", random_tensor({2, 5, 6}, 1)}});
}

// Gemm with transB = 1 (PyTorch's Linear on a 2-D input) and its bias C.
TEST(QMatMulFusion, GemmWithTransposedWeights) {
  ir::Graph graph = quantized(
      make_graph({named(make_node("Gemm", {"x", "w", "c"}, {"y"}, {{"transB", int64_t{1}}}), "fc")},
                 {"x"}, {"y"}, {{"w", random_tensor({4, 6}, 2)}, {"c", random_tensor({4}, 3)}}),
      {"fc"}, {{"x", {-1.0f, 1.0f}}});
  const ir::Graph qdq = graph;
  EXPECT_EQ(fuse_quantized_matmuls(graph), (ChangeCounts{{"QMatMul", 1}}));
  EXPECT_EQ(node_named(graph, "fc").attr<int64_t>("transB", 0), 1);
  EXPECT_EQ(node_named(graph, "fc").inputs.size(), 5u);
  testing::expect_same_outputs(qdq, graph, {{"x", random_tensor({3, 6}, 1)}});
}

// A product of two activations (attention's Q K^T) has no constant weight: it stays.
TEST(QMatMulFusion, LeavesProductsOfActivations) {
  ir::Graph graph = *make_graph({make_node("QuantizeLinear", {"a", "s"}, {"aq"}),
                                 make_node("DequantizeLinear", {"aq", "s"}, {"ad"}),
                                 make_node("QuantizeLinear", {"b", "s"}, {"bq"}),
                                 make_node("DequantizeLinear", {"bq", "s"}, {"bd"}),
                                 make_node("MatMul", {"ad", "bd"}, {"y"})},
                                {"a", "b"}, {"y"}, {{"s", ir::Tensor::scalar(0.01f)}});
  EXPECT_EQ(fuse_quantized_matmuls(graph), (ChangeCounts{}));
}

}  // namespace
}  // namespace zenith::passes
