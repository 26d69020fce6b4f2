// expand_zenith_ops: Zenith's fused ops written back as ONNX nodes compute what they did.
#include "passes/zenith_op_expansion.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::count_ops;
using testing::make_graph;
using testing::random_tensor;
using testing::zenith_node;

// Attention (scaled, masked), both Gelu forms and Swish (alpha 1 and not) in one graph: after
// the expansion no zenith-domain node is left, and REF computes the same (the fused kernels
// compute in double, the ONNX nodes in float).
TEST(ZenithOpExpansion, FusedOpsBecomeOnnxNodesThatComputeTheSame) {
  auto graph =
      make_graph({zenith_node("Attention", {"q", "k", "v", "mask"}, {"a"}, {{"scale", 0.125f}}),
                  zenith_node("Gelu", {"a"}, {"g1"}),
                  zenith_node("Gelu", {"g1"}, {"g2"}, {{"approximate", std::string("tanh")}}),
                  zenith_node("Swish", {"g2"}, {"s1"}),
                  zenith_node("Swish", {"s1"}, {"y"}, {{"alpha", 1.702f}})},
                 {"q", "k", "v", "mask"}, {"y"});
  const ir::Graph before = *graph;
  EXPECT_EQ(expand_zenith_ops(*graph), (ChangeCounts{{"Attention", 1}, {"Gelu", 2}, {"Swish", 2}}));
  for (const ir::Node& n : graph->nodes) EXPECT_EQ(n.domain, "") << n.name << " " << n.op_type;
  EXPECT_EQ(count_ops(*graph, "Softmax"), 1u);
  EXPECT_EQ(count_ops(*graph, "Erf"), 1u);
  EXPECT_EQ(count_ops(*graph, "Tanh"), 1u);
  EXPECT_EQ(count_ops(*graph, "Sigmoid"), 2u);
  testing::expect_same_outputs(before, *graph,
                               {{"q", random_tensor({2, 5, 8}, 1)},
                                {"k", random_tensor({2, 8, 5}, 2)},
                                {"v", random_tensor({2, 5, 8}, 3)},
                                {"mask", random_tensor({1, 5}, 4)}},
                               1e-5, 1e-6);
}

}  // namespace
}  // namespace zenith::passes
