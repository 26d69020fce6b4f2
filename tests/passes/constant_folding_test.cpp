#include "passes/constant_folding.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"
#include "reference/run_node.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::make_tensor;
using Ints = std::vector<int64_t>;

TEST(ConstantFolding, FoldsChainOfConstantNodes) {
  // y = x * (sqrt(a) + b): Sqrt and Add fold in one sweep, Mul needs the input.
  auto graph = make_graph({make_node("Sqrt", {"a"}, {"sa"}), make_node("Add", {"sa", "b"}, {"c"}),
                           make_node("Mul", {"x", "c"}, {"y"})},
                          {"x"}, {"y"},
                          {{"a", make_tensor<float>({3}, {1, 4, 9})},
                           {"b", make_tensor<float>({3}, {0.5f, 0.25f, 2})}});
  const ir::Graph before = *graph;
  EXPECT_EQ(fold_constants(*graph), (ChangeCounts{{"Add", 1}, {"Sqrt", 1}}));
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].op_type, "Mul");
  EXPECT_EQ(testing::values_of<float>(graph->initializers.at("c")),
            (std::vector<float>{1.5f, 2.25f, 5}));
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({2, 3})}},
                               testing::kFoldRtol, testing::kFoldAtol);
}

TEST(ConstantFolding, FoldsShapeOfStaticInputAndWhatFollows) {
  auto graph =
      make_graph({make_node("Shape", {"x"}, {"s"}, {{"start", int64_t{1}}}),
                  make_node("Concat", {"minus_one", "s"}, {"target"}, {{"axis", int64_t{0}}}),
                  make_node("Reshape", {"x", "target"}, {"y"})},
                 {"x"}, {"y"}, {{"minus_one", make_tensor<int64_t>({1}, {-1})}});
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{2, 3, 4});
  const ir::Graph before = *graph;
  EXPECT_EQ(fold_constants(*graph), (ChangeCounts{{"Concat", 1}, {"Shape", 1}}));
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(testing::values_of<int64_t>(graph->initializers.at("target")), (Ints{-1, 3, 4}));
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({2, 3, 4})}});
}

TEST(ConstantFolding, KeepsShapeOfSymbolicInput) {
  auto graph = make_graph({make_node("Shape", {"x"}, {"s"})}, {"x"}, {"s"});
  graph->inputs[0].type =
      ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{ir::Dim::named("batch"), 3});
  EXPECT_TRUE(fold_constants(*graph).empty());
  EXPECT_EQ(graph->nodes.size(), 1u);
}

TEST(ConstantFolding, KeepsShapeOfValueOnlyAGraphOutputDeclaresStatic) {
  // Output types are not checked at run time, and exporters leave stale static dims there.
  auto graph =
      make_graph({make_node("Relu", {"x"}, {"a"}), make_node("Shape", {"a"}, {"s"})}, {"x"},
                 {"a", "s"}, {}, {{"a", ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{1, 3})}});
  EXPECT_TRUE(fold_constants(*graph).empty());
  EXPECT_EQ(graph->nodes.size(), 2u);
}

TEST(ConstantFolding, KeepsRandomOpsAndTrainingDropout) {
  auto graph = make_graph({make_node("RandomUniformLike", {"c"}, {"r"}),
                           make_node("Dropout", {"c", "ratio", "training"}, {"d"}),
                           make_node("Bernoulli", {"p"}, {"b"})},
                          {}, {"r", "d", "b"},
                          {{"c", make_tensor<float>({4}, {1, 2, 3, 4})},
                           {"p", make_tensor<float>({4}, {0.5f, 0.5f, 0.5f, 0.5f})},
                           {"ratio", ir::Tensor::scalar(0.5f)},
                           {"training", ir::Tensor::scalar(true)}});
  EXPECT_TRUE(fold_constants(*graph).empty());
  EXPECT_EQ(graph->nodes.size(), 3u);
}

TEST(ConstantFolding, KeepsResultsAboveTheSizeLimit) {
  auto graph = make_graph(
      {make_node("Expand", {"c", "shape"}, {"y"})}, {}, {"y"},
      {{"c", make_tensor<float>({1}, {7})}, {"shape", make_tensor<int64_t>({1}, {1000})}});
  EXPECT_TRUE(fold_constants(*graph, /*max_output_bytes=*/1024).empty());
  EXPECT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(fold_constants(*graph), (ChangeCounts{{"Expand", 1}}));
  EXPECT_EQ(graph->initializers.at("y").dims(), (ir::Dims{1000}));
}

TEST(ConstantFolding, KeepsInitializerThatAGraphInputOverrides) {
  auto graph = make_graph({make_node("Neg", {"a"}, {"y"})}, {"a"}, {"y"},
                          {{"a", make_tensor<float>({2}, {1, 2})}});
  EXPECT_TRUE(fold_constants(*graph).empty());
  const auto out = ref::Interpreter().run(*graph, {{"a", make_tensor<float>({2}, {5, 6})}});
  EXPECT_EQ(testing::values_of<float>(out[0].tensor()), (std::vector<float>{-5, -6}));
}

TEST(ConstantFolding, KeepsNodeWhoseKernelFailsSoTheErrorStays) {
  auto graph = make_graph({make_node("Reshape", {"c", "shape"}, {"y"})}, {}, {"y"},
                          {{"c", make_tensor<float>({6}, {1, 2, 3, 4, 5, 6})},
                           {"shape", make_tensor<int64_t>({1}, {4})}});
  EXPECT_TRUE(fold_constants(*graph).empty());
  EXPECT_THROW(ref::Interpreter().run(*graph, {}), Error);
}

TEST(ConstantFolding, KeepsNodesWithSubgraphs) {
  auto then_branch = make_graph({}, {}, {"one"}, {{"one", ir::Tensor::scalar(1.0f)}});
  auto else_branch = make_graph({}, {}, {"two"}, {{"two", ir::Tensor::scalar(2.0f)}});
  auto graph = make_graph({make_node("If", {"cond"}, {"y"},
                                     {{"then_branch", ir::GraphPtr(then_branch)},
                                      {"else_branch", ir::GraphPtr(else_branch)}})},
                          {}, {"y"}, {{"cond", ir::Tensor::scalar(true)}});
  EXPECT_TRUE(fold_constants(*graph).empty());
  EXPECT_EQ(graph->nodes.size(), 1u);
}

}  // namespace
}  // namespace zenith::passes
