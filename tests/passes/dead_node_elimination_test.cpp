#include "passes/dead_node_elimination.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"
#include "reference/run_node.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::make_tensor;

TEST(DeadNodeElimination, RemovesNodesAndInitializersNoOutputNeeds) {
  auto graph =
      make_graph({make_node("Relu", {"x"}, {"y"}), make_node("Neg", {"x"}, {"n"}),
                  make_node("Mul", {"n", "w"}, {"unused"})},
                 {"x"}, {"y"},
                 {{"w", make_tensor<float>({1}, {2})}, {"orphan", make_tensor<float>({1}, {3})}});
  const ir::Graph before = *graph;
  EXPECT_EQ(eliminate_dead_nodes(*graph), (ChangeCounts{{"initializers", 2}, {"nodes", 2}}));
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].op_type, "Relu");
  EXPECT_TRUE(graph->initializers.empty());
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({3, 2})}});
}

TEST(DeadNodeElimination, KeepsValuesThatSubgraphsOfLiveNodesRead) {
  // The branches read "hidden" and "w" of the enclosing graph by name, not as node inputs.
  auto then_branch = make_graph({make_node("Identity", {"hidden"}, {"t"})}, {}, {"t"});
  auto else_branch = make_graph({make_node("Identity", {"w"}, {"e"})}, {}, {"e"});
  auto graph = make_graph({make_node("Neg", {"x"}, {"hidden"}),
                           make_node("If", {"cond"}, {"y"},
                                     {{"then_branch", ir::GraphPtr(then_branch)},
                                      {"else_branch", ir::GraphPtr(else_branch)}})},
                          {"x", "cond"}, {"y"}, {{"w", make_tensor<float>({2}, {5, 6})}});
  const ir::Graph before = *graph;
  EXPECT_TRUE(eliminate_dead_nodes(*graph).empty());
  EXPECT_EQ(graph->nodes.size(), 2u);
  EXPECT_EQ(graph->initializers.count("w"), 1u);
  for (bool cond : {true, false})
    testing::expect_same_outputs(
        before, *graph, {{"x", testing::random_tensor({2})}, {"cond", ir::Tensor::scalar(cond)}});
}

TEST(DeadNodeElimination, RemovesDeadIfWithWhatOnlyItsBranchesRead) {
  auto then_branch = make_graph({make_node("Identity", {"hidden"}, {"t"})}, {}, {"t"});
  auto graph = make_graph({make_node("Neg", {"x"}, {"hidden"}),
                           make_node("If", {"cond"}, {"unused"},
                                     {{"then_branch", ir::GraphPtr(then_branch)},
                                      {"else_branch", ir::GraphPtr(then_branch)}}),
                           make_node("Relu", {"x"}, {"y"})},
                          {"x", "cond"}, {"y"});
  EXPECT_EQ(eliminate_dead_nodes(*graph), (ChangeCounts{{"nodes", 2}}));
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].op_type, "Relu");
}

TEST(DeadNodeElimination, KeepsInitializerThatIsAlsoAGraphInput) {
  auto graph = make_graph({make_node("Relu", {"x"}, {"y"})}, {"x", "default"}, {"y"},
                          {{"default", make_tensor<float>({1}, {1})}});
  EXPECT_TRUE(eliminate_dead_nodes(*graph).empty());
  EXPECT_EQ(graph->initializers.count("default"), 1u);
}

}  // namespace
}  // namespace zenith::passes
