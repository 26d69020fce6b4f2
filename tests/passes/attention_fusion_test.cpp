#include "passes/attention_fusion.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

const std::map<std::string, ir::Value> kFeeds = {{"q", random_tensor({2, 3, 5, 8}, 1)},
                                                 {"k", random_tensor({2, 3, 8, 7}, 2)},
                                                 {"v", random_tensor({2, 3, 7, 4}, 3)},
                                                 {"mask", random_tensor({2, 1, 1, 7}, 4)}};

TEST(AttentionFusion, ScaledMaskedAttentionBecomesOneNodeThatComputesTheSame) {
  for (const char* scale_op : {"Mul", "Div"}) {
    SCOPED_TRACE(scale_op);
    auto graph =
        make_graph({make_node("MatMul", {"q", "k"}, {"s"}), make_node(scale_op, {"s", "c"}, {"t"}),
                    make_node("Add", {"mask", "t"}, {"u"}),
                    make_node("Softmax", {"u"}, {"p"}, {{"axis", int64_t{-1}}}),
                    make_node("MatMul", {"p", "v"}, {"y"})},
                   {"q", "k", "v", "mask"}, {"y"}, {{"c", ir::Tensor::scalar(0.25f)}});
    const ir::Graph before = *graph;
    EXPECT_EQ(fuse_attention(*graph), (ChangeCounts{{"Attention", 1}}));
    ASSERT_EQ(graph->nodes.size(), 1u);
    const ir::Node& a = graph->nodes[0];
    EXPECT_EQ(a.domain, "zenith");
    EXPECT_EQ(a.inputs, (std::vector<std::string>{"q", "k", "v", "mask"}));
    EXPECT_EQ(a.attr<float>("scale"), std::string(scale_op) == "Mul" ? 0.25f : 4.0f);
    // Mul by 4 and Div by 0.25 round alike: the REF kernel runs the unfused graph exactly.
    testing::expect_same_outputs(before, *graph, kFeeds, 1e-6, 1e-7);
  }
}

TEST(AttentionFusion, UnscaledUnmaskedAttentionAndWhatItKeeps) {
  auto plain =
      make_graph({make_node("MatMul", {"q", "k"}, {"s"}), make_node("Softmax", {"s"}, {"p"}),
                  make_node("MatMul", {"p", "v"}, {"y"})},
                 {"q", "k", "v"}, {"y"});
  const ir::Graph before = *plain;
  EXPECT_EQ(fuse_attention(*plain), (ChangeCounts{{"Attention", 1}}));
  EXPECT_EQ(plain->nodes[0].inputs.size(), 3u);
  std::map<std::string, ir::Value> feeds = kFeeds;
  feeds.erase("mask");
  testing::expect_same_outputs(before, *plain, feeds);
  auto seen = make_graph(before.nodes, {"q", "k", "v"}, {"y", "p"});  // the weights are an output
  EXPECT_TRUE(fuse_attention(*seen).empty());
  ir::Graph other_axis = before;
  other_axis.nodes[1].attributes["axis"] = int64_t{1};
  EXPECT_TRUE(fuse_attention(other_axis).empty());
}

}  // namespace
}  // namespace zenith::passes
