#include "passes/batch_norm_folding.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using Ints = std::vector<int64_t>;

// scale, B, mean and var of `channels` channels (var > 0), under the names the BN nodes use.
std::map<std::string, ir::Tensor> bn_params(int64_t channels) {
  ir::Tensor var = random_tensor({channels}, 14);
  for (int64_t c = 0; c < channels; ++c) var.data<float>()[c] = var.data<float>()[c] * 0.5f + 1.0f;
  return {{"scale", random_tensor({channels}, 11)},
          {"bias", random_tensor({channels}, 12)},
          {"mean", random_tensor({channels}, 13)},
          {"var", var}};
}

ir::Node batch_norm(const std::string& x, const std::string& y) {
  return make_node("BatchNormalization", {x, "scale", "bias", "mean", "var"}, {y},
                   {{"epsilon", 1e-3f}});
}

TEST(BatchNormFolding, FoldsIntoConvWithBias) {
  auto params = bn_params(4);
  params["W"] = random_tensor({4, 3, 3, 3}, 2);
  params["b"] = random_tensor({4}, 3);
  auto graph = make_graph({make_node("Conv", {"x", "W", "b"}, {"c"}, {{"pads", Ints{1, 1, 1, 1}}}),
                           batch_norm("c", "y")},
                          {"x"}, {"y"}, params);
  const ir::Graph before = *graph;
  EXPECT_EQ(fold_batch_norms(*graph), (ChangeCounts{{"BatchNormalization into Conv", 1}}));
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].inputs, (std::vector<std::string>{"x", "W_folded", "bias_folded"}));
  EXPECT_EQ(graph->nodes[0].outputs, (std::vector<std::string>{"y"}));
  testing::expect_same_outputs(before, *graph, {{"x", random_tensor({2, 3, 5, 5})}},
                               testing::kFoldRtol, testing::kFoldAtol);
}

TEST(BatchNormFolding, FoldsIntoGroupedConvWithoutBias) {
  auto params = bn_params(4);
  params["W"] = random_tensor({4, 1, 3, 3}, 2);
  auto graph = make_graph(
      {make_node("Conv", {"x", "W"}, {"c"}, {{"group", int64_t{2}}}), batch_norm("c", "y")}, {"x"},
      {"y"}, params);
  const ir::Graph before = *graph;
  EXPECT_EQ(fold_batch_norms(*graph), (ChangeCounts{{"BatchNormalization into Conv", 1}}));
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].inputs.size(), 3u);
  testing::expect_same_outputs(before, *graph, {{"x", random_tensor({1, 2, 6, 6})}},
                               testing::kFoldRtol, testing::kFoldAtol);
}

TEST(BatchNormFolding, FoldsIntoGemmForEveryCShape) {
  const int64_t m = 3, k = 5, n = 4;
  const std::vector<ir::Dims> c_shapes = {{}, {n}, {1}, {m, n}, {m, 1}, {1, n}};
  for (bool trans_b : {false, true})
    for (size_t i = 0; i <= c_shapes.size(); ++i) {
      SCOPED_TRACE(::testing::Message() << "transB " << trans_b << ", C case " << i);
      auto params = bn_params(n);
      params["B"] = random_tensor(trans_b ? ir::Dims{n, k} : ir::Dims{k, n}, 2);
      std::vector<std::string> inputs = {"a", "B"};
      if (i < c_shapes.size()) {
        params["C"] = random_tensor(c_shapes[i], 3);
        inputs.push_back("C");
      }
      auto graph =
          make_graph({make_node("Gemm", inputs, {"g"},
                                {{"transB", int64_t{trans_b}}, {"alpha", 0.5f}, {"beta", 2.0f}}),
                      batch_norm("g", "y")},
                     {"a"}, {"y"}, params);
      const ir::Graph before = *graph;
      EXPECT_EQ(fold_batch_norms(*graph), (ChangeCounts{{"BatchNormalization into Gemm", 1}}));
      EXPECT_EQ(graph->nodes.size(), 1u);
      testing::expect_same_outputs(before, *graph, {{"a", random_tensor({m, k})}},
                                   testing::kFoldRtol, testing::kFoldAtol);
    }
}

TEST(BatchNormFolding, LeavesWeightsThatAnotherConvSharesUnchanged) {
  auto params = bn_params(2);
  params["W"] = random_tensor({2, 2, 1, 1}, 2);
  params["W_folded"] = random_tensor({1}, 3);  // takes the first fresh name
  auto graph =
      make_graph({make_node("Conv", {"x", "W"}, {"c"}), batch_norm("c", "y1"),
                  make_node("Conv", {"x", "W"}, {"y2"}), make_node("Neg", {"W_folded"}, {"y3"})},
                 {"x"}, {"y1", "y2", "y3"}, params);
  const ir::Graph before = *graph;
  const std::vector<float> w = testing::values_of<float>(params["W"]);
  EXPECT_EQ(fold_batch_norms(*graph), (ChangeCounts{{"BatchNormalization into Conv", 1}}));
  EXPECT_EQ(graph->nodes[0].inputs[1], "W_folded_1");
  EXPECT_EQ(graph->nodes[1].inputs[1], "W");
  EXPECT_EQ(testing::values_of<float>(graph->initializers.at("W")), w);
  testing::expect_same_outputs(before, *graph, {{"x", random_tensor({1, 2, 3, 3})}},
                               testing::kFoldRtol, testing::kFoldAtol);
}

TEST(BatchNormFolding, KeepsWhatItCannotFold) {
  auto params = bn_params(2);
  params["W"] = random_tensor({2, 2, 1, 1}, 2);
  ir::Node training = batch_norm("c3", "y3");
  training.attributes["training_mode"] = int64_t{1};
  auto graph = make_graph({make_node("Conv", {"x", "W"}, {"c1"}), batch_norm("c1", "y1"),
                           make_node("Relu", {"c1"}, {"r1"}),  // the Conv output has another reader
                           make_node("Conv", {"x", "w_input"}, {"c2"}), batch_norm("c2", "y2"),
                           make_node("Conv", {"x", "W"}, {"c3"}), training,
                           make_node("Relu", {"x"}, {"r4"}), batch_norm("r4", "y4")},
                          {"x", "w_input"}, {"y1", "r1", "y2", "y3", "y4"}, params);
  EXPECT_TRUE(fold_batch_norms(*graph).empty());
  EXPECT_EQ(testing::count_ops(*graph, "BatchNormalization"), 4u);
}

}  // namespace
}  // namespace zenith::passes
