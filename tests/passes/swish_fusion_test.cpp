#include "passes/swish_fusion.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

TEST(SwishFusion, FusesXTimesSigmoidOfXInEitherOrder) {
  for (bool sigmoid_first : {false, true}) {
    auto graph = make_graph({make_node("Relu", {"in"}, {"x"}), make_node("Sigmoid", {"x"}, {"s"}),
                             make_node("Mul",
                                       sigmoid_first ? std::vector<std::string>{"s", "x"}
                                                     : std::vector<std::string>{"x", "s"},
                                       {"y"})},
                            {"in"}, {"y"});
    const ir::Graph before = *graph;
    EXPECT_EQ(fuse_swishes(*graph), (ChangeCounts{{"Swish", 1}}));
    ASSERT_EQ(graph->nodes.size(), 2u);
    EXPECT_EQ(graph->nodes[1].domain, "zenith");
    EXPECT_EQ(graph->nodes[1].op_type, "Swish");
    EXPECT_EQ(graph->nodes[1].inputs, std::vector<std::string>{"x"});
    EXPECT_EQ(graph->nodes[1].outputs, std::vector<std::string>{"y"});
    // The unfused graph computes in float, zenith.Swish's REF kernel in double.
    testing::expect_same_outputs(before, *graph, {{"in", random_tensor({3, 17}, 2)}}, 1e-6, 1e-7);
  }
}

TEST(SwishFusion, KeepsASigmoidOthersReadOrOfAnotherValue) {
  auto shared = make_graph(
      {make_node("Sigmoid", {"x"}, {"s"}), make_node("Mul", {"x", "s"}, {"y"})}, {"x"}, {"y", "s"});
  EXPECT_TRUE(fuse_swishes(*shared).empty());
  auto gate = make_graph({make_node("Sigmoid", {"g"}, {"s"}), make_node("Mul", {"x", "s"}, {"y"})},
                         {"x", "g"}, {"y"});
  EXPECT_TRUE(fuse_swishes(*gate).empty());
}

}  // namespace
}  // namespace zenith::passes
