#include "passes/identity_elimination.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"
#include "reference/run_node.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::make_tensor;
using Strings = std::vector<std::string>;

ir::Dim batch() { return ir::Dim::named("batch"); }

TEST(IdentityElimination, RemovesIdentityBetweenNodes) {
  auto graph = make_graph({make_node("Relu", {"x"}, {"a"}), make_node("Identity", {"a"}, {"b"}),
                           make_node("Neg", {"b"}, {"y"})},
                          {"x"}, {"y"});
  const ir::Graph before = *graph;
  EXPECT_EQ(eliminate_identities(*graph), (ChangeCounts{{"Identity", 1}}));
  ASSERT_EQ(graph->nodes.size(), 2u);
  EXPECT_EQ(graph->nodes[1].inputs, Strings{"a"});
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({4})}});
}

TEST(IdentityElimination, RenamesProducerWhenTheOutputIsAGraphOutput) {
  auto graph = make_graph({make_node("Relu", {"x"}, {"a"}), make_node("Identity", {"a"}, {"b"}),
                           make_node("Identity", {"b"}, {"y"}), make_node("Neg", {"a"}, {"z"})},
                          {"x"}, {"y", "z"});
  const ir::Graph before = *graph;
  EXPECT_EQ(eliminate_identities(*graph), (ChangeCounts{{"Identity", 2}}));
  ASSERT_EQ(graph->nodes.size(), 2u);
  EXPECT_EQ(graph->nodes[0].outputs, Strings{"y"});
  EXPECT_EQ(graph->nodes[1].inputs, Strings{"y"});
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({4})}});
}

TEST(IdentityElimination, KeepsIdentityWhoseInputCannotBeRenamed) {
  // A graph input, an initializer and another graph output keep their names.
  auto graph =
      make_graph({make_node("Identity", {"x"}, {"y1"}), make_node("Identity", {"w"}, {"y2"}),
                  make_node("Relu", {"x"}, {"a"}), make_node("Identity", {"a"}, {"y3"})},
                 {"x"}, {"y1", "y2", "a", "y3"}, {{"w", make_tensor<float>({1}, {2})}});
  EXPECT_TRUE(eliminate_identities(*graph).empty());
  EXPECT_EQ(graph->nodes.size(), 4u);
}

TEST(IdentityElimination, TerminatesOnMalformedGraphs) {
  auto graph = make_graph({make_node("Identity", {"y"}, {"y"}), make_node("Identity", {"b"}, {"a"}),
                           make_node("Identity", {"a"}, {"b"})},
                          {}, {"y", "b"});
  eliminate_identities(*graph);
}

TEST(IdentityElimination, KeepsIdentityThatASubgraphReads) {
  auto branch = make_graph({make_node("Neg", {"b"}, {"t"})}, {}, {"t"});
  auto graph = make_graph(
      {make_node("Identity", {"x"}, {"b"}),
       make_node("If", {"cond"}, {"y"},
                 {{"then_branch", ir::GraphPtr(branch)}, {"else_branch", ir::GraphPtr(branch)}})},
      {"x", "cond"}, {"y"});
  EXPECT_TRUE(eliminate_identities(*graph).empty());
}

TEST(IdentityElimination, RemovesInferenceDropoutWithUnusedMask) {
  auto graph =
      make_graph({make_node("Dropout", {"x", "ratio"}, {"a", "unused_mask"}),
                  make_node("Dropout", {"a", "ratio", "off"}, {"b"}),
                  make_node("Dropout", {"b", "ratio"}, {"c", "mask"}),
                  make_node("Dropout", {"c", "ratio", "training"}, {"y"})},
                 {"x", "training"}, {"y", "mask"},
                 {{"ratio", ir::Tensor::scalar(0.5f)}, {"off", ir::Tensor::scalar(false)}});
  const ir::Graph before = *graph;
  EXPECT_EQ(eliminate_identities(*graph), (ChangeCounts{{"Dropout", 2}}));
  ASSERT_EQ(graph->nodes.size(), 2u);
  EXPECT_EQ(graph->nodes[0].inputs[0], "x");
  testing::expect_same_outputs(
      before, *graph,
      {{"x", testing::random_tensor({3, 2})}, {"training", ir::Tensor::scalar(false)}});
}

TEST(IdentityElimination, RemovesTrainingDropoutWithRatioZero) {
  auto graph = make_graph({make_node("Dropout", {"x", "zero", "on"}, {"a", "unused_mask"}),
                           make_node("Dropout", {"a", "half", "on"}, {"y"})},
                          {"x"}, {"y"},
                          {{"zero", ir::Tensor::scalar(0.0f)},
                           {"half", ir::Tensor::scalar(0.5f)},
                           {"on", ir::Tensor::scalar(true)}});
  EXPECT_EQ(eliminate_identities(*graph), (ChangeCounts{{"Dropout", 1}}));
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].inputs[0], "x");
}

TEST(IdentityElimination, RemovesReshapeAndFlattenThatKeepTheShape) {
  auto graph = make_graph(
      {make_node("Reshape", {"x", "copy_batch"}, {"a"}),
       make_node("Reshape", {"a", "infer_batch"}, {"b"}), make_node("Flatten", {"m"}, {"f"}),
       make_node("Add", {"b", "b"}, {"y"}), make_node("Neg", {"f"}, {"z"})},
      {"x", "m"}, {"y", "z"},
      {{"copy_batch", make_tensor<int64_t>({3}, {0, 3, 4})},
       {"infer_batch", make_tensor<int64_t>({3}, {-1, 3, 4})}});
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{batch(), 3, 4});
  graph->inputs[1].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{batch(), 12});
  graph->value_types["a"] = graph->inputs[0].type;
  const ir::Graph before = *graph;
  EXPECT_EQ(eliminate_identities(*graph), (ChangeCounts{{"Flatten", 1}, {"Reshape", 2}}));
  EXPECT_EQ(graph->nodes.size(), 2u);
  testing::expect_same_outputs(
      before, *graph,
      {{"x", testing::random_tensor({2, 3, 4})}, {"m", testing::random_tensor({5, 12})}});
}

TEST(IdentityElimination, KeepsReshapeThatMayChangeTheShape) {
  // [0, 12] merges dims; [0, -1, 4] would need batch != 0 for the -1 to be inferable.
  auto graph =
      make_graph({make_node("Reshape", {"x", "merge"}, {"a"}),
                  make_node("Reshape", {"x", "infer"}, {"b"}), make_node("Flatten", {"x"}, {"c"})},
                 {"x"}, {"a", "b", "c"},
                 {{"merge", make_tensor<int64_t>({2}, {0, 12})},
                  {"infer", make_tensor<int64_t>({3}, {0, -1, 4})}});
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{batch(), 3, 4});
  EXPECT_TRUE(eliminate_identities(*graph).empty());
}

TEST(IdentityElimination, RemovesPadOnlyWhenAllPadsAreZero) {
  auto graph =
      make_graph({make_node("Pad", {"x", "zeros"}, {"a"}), make_node("Pad", {"a", "ones"}, {"y"})},
                 {"x"}, {"y"},
                 {{"zeros", make_tensor<int64_t>({4}, {0, 0, 0, 0})},
                  {"ones", make_tensor<int64_t>({4}, {0, 1, 0, 1})}});
  const ir::Graph before = *graph;
  EXPECT_EQ(eliminate_identities(*graph), (ChangeCounts{{"Pad", 1}}));
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].inputs[0], "x");
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({2, 3})}});
}

}  // namespace
}  // namespace zenith::passes
