#include "passes/pool_before_pointwise_conv.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using Ints = std::vector<int64_t>;

const std::map<std::string, ir::Attribute> kPool2x2 = {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}};

// DenseNet's transition: Relu, a 1x1 Conv with bias, 2x2 average pooling.
std::shared_ptr<ir::Graph> transition(std::map<std::string, ir::Attribute> conv_attrs = {},
                                      std::map<std::string, ir::Attribute> pool_attrs = kPool2x2) {
  return make_graph({make_node("Relu", {"x"}, {"r"}), make_node("Conv", {"r", "W", "b"}, {"c"}, conv_attrs),
                     make_node("AveragePool", {"c"}, {"y"}, pool_attrs)},
                    {"x"}, {"y"}, {{"W", random_tensor({6, 8, 1, 1}, 2)}, {"b", random_tensor({6}, 3)}});
}

TEST(PoolBeforePointwiseConv, MovesThePoolAndKeepsTheOutputs) {
  auto graph = transition();
  const ir::Graph before = *graph;
  EXPECT_EQ(pool_before_pointwise_conv(*graph), (ChangeCounts{{"AveragePool", 1}}));
  ASSERT_EQ(graph->nodes.size(), 3u);
  EXPECT_EQ(graph->nodes[1].op_type, "AveragePool");
  EXPECT_EQ(graph->nodes[1].inputs[0], "r");
  EXPECT_EQ(graph->nodes[2].op_type, "Conv");
  EXPECT_EQ(graph->nodes[2].inputs[0], graph->nodes[1].outputs[0]);
  EXPECT_EQ(graph->nodes[2].outputs[0], "y");
  // Odd sizes: the last row and column fall outside every window, on both sides of the move.
  testing::expect_same_outputs(before, *graph, {{"x", random_tensor({2, 8, 7, 9}, 1)}}, testing::kFoldRtol,
                               testing::kFoldAtol);
  EXPECT_EQ(pool_before_pointwise_conv(*graph), ChangeCounts{});  // nothing left to move
}

TEST(PoolBeforePointwiseConv, LeavesWhatDoesNotCommute) {
  const std::vector<std::shared_ptr<ir::Graph>> kept = {
      transition({}, {{"kernel_shape", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}),     // padded windows
      transition({}, {{"kernel_shape", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}),     // partial windows
      transition({{"strides", Ints{2, 2}}}),                                         // strided Conv
      transition({{"pads", Ints{1, 1, 1, 1}}}),                                      // padded Conv
  };
  for (const auto& graph : kept) EXPECT_EQ(pool_before_pointwise_conv(*graph), ChangeCounts{});

  // A 3x3 Conv, and a 1x1 Conv whose output is read elsewhere too.
  auto spatial = make_graph({make_node("Conv", {"x", "W"}, {"c"}), make_node("AveragePool", {"c"}, {"y"}, kPool2x2)},
                            {"x"}, {"y"}, {{"W", random_tensor({6, 8, 3, 3}, 2)}});
  EXPECT_EQ(pool_before_pointwise_conv(*spatial), ChangeCounts{});
  auto shared = make_graph({make_node("Conv", {"x", "W"}, {"c"}), make_node("AveragePool", {"c"}, {"y"}, kPool2x2)},
                           {"x"}, {"y", "c"}, {{"W", random_tensor({6, 8, 1, 1}, 2)}});
  EXPECT_EQ(pool_before_pointwise_conv(*shared), ChangeCounts{});
}

}  // namespace
}  // namespace zenith::passes
