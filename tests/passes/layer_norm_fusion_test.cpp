#include "passes/layer_norm_fusion.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"
#include "reference/run_node.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// The unfused graph computes in float and LayerNormalization's REF kernel in double; the
// variance of uniform inputs is about 1/3, so the quotient loses little.
constexpr double kNormRtol = 1e-4, kNormAtol = 1e-5;

struct Pattern {
  std::vector<int64_t> axes = {-1};
  bool square_by_mul = false;  // d * d instead of Pow(d, 2)
  bool gamma = true;
  bool beta = true;
  bool swap_operands = false;  // eps + v, gamma * n, beta + n
};

// PyTorch's LayerNorm below opset 17, from x to y.
std::shared_ptr<ir::Graph> layer_norm(const Pattern& p, const ir::Dims& param_dims) {
  auto pair = [&](const std::string& a, const std::string& b) {
    return p.swap_operands ? std::vector<std::string>{b, a} : std::vector<std::string>{a, b};
  };
  std::vector<ir::Node> nodes = {
      make_node("ReduceMean", {"x", "axes"}, {"m"}),
      make_node("Sub", {"x", "m"}, {"d"}),
      p.square_by_mul ? make_node("Mul", {"d", "d"}, {"p"}) : make_node("Pow", {"d", "two"}, {"p"}),
      make_node("ReduceMean", {"p", "axes2"}, {"v"}),
      make_node("Add", pair("v", "eps"), {"e"}),
      make_node("Sqrt", {"e"}, {"s"}),
      make_node("Div", {"d", "s"}, {"n"})};
  std::string last = "n";
  if (p.gamma) {
    nodes.push_back(make_node("Mul", pair(last, "gamma"), {"g"}));
    last = "g";
  }
  if (p.beta) {
    nodes.push_back(make_node("Add", pair(last, "beta"), {"b"}));
    last = "b";
  }
  nodes.push_back(make_node("Identity", {last}, {"y"}));
  const auto axes = static_cast<int64_t>(p.axes.size());
  return make_graph(nodes, {"x"}, {"y"},
                    {{"axes", testing::make_tensor<int64_t>({axes}, p.axes)},
                     {"axes2", testing::make_tensor<int64_t>({axes}, p.axes)},
                     {"two", ir::Tensor::scalar(2.0f)},
                     {"eps", ir::Tensor::scalar(1e-5f)},
                     {"gamma", random_tensor(param_dims, 7)},
                     {"beta", random_tensor(param_dims, 8)}});
}

void expect_fused(const Pattern& p, const ir::Dims& x_dims, const ir::Dims& param_dims,
                  int64_t axis) {
  auto graph = layer_norm(p, param_dims);
  const ir::Graph before = *graph;
  EXPECT_EQ(fuse_layer_norms(*graph), (ChangeCounts{{"LayerNormalization", 1}}));
  ASSERT_EQ(graph->nodes.size(), 2u);
  const ir::Node& ln = graph->nodes[0];
  EXPECT_EQ(ln.op_type, "LayerNormalization");
  EXPECT_EQ(ln.attr<int64_t>("axis"), axis);
  EXPECT_EQ(ln.attr<float>("epsilon"), 1e-5f);
  EXPECT_EQ(ln.inputs.size(), p.beta ? 3u : 2u);
  if (p.gamma) {
    EXPECT_EQ(ln.inputs[1], "gamma");
  }
  testing::expect_same_outputs(before, *graph, {{"x", random_tensor(x_dims, 3)}}, kNormRtol,
                               kNormAtol);
}

TEST(LayerNormFusion, PowFormWithGammaAndBetaOverTheLastAxis) {
  expect_fused({}, {2, 5, 17}, {17}, -1);
  expect_fused({.swap_operands = true}, {1, 17}, {17}, -1);
}

TEST(LayerNormFusion, MulFormWithoutAffineOverTheLastTwoAxes) {
  expect_fused({.axes = {-2, -1}, .square_by_mul = true, .gamma = false, .beta = false},
               {3, 4, 5, 6}, {1}, -2);
}

TEST(LayerNormFusion, BetaWithoutGammaAndParamsOverTwoAxes) {
  expect_fused({.axes = {-1, -2}, .gamma = false}, {2, 4, 7}, {4, 7}, -2);
  expect_fused({.axes = {-2, -1}}, {2, 4, 7}, {4, 7}, -2);
}

TEST(LayerNormFusion, NonNegativeAxesNeedTheDeclaredRank) {
  auto graph = layer_norm({.axes = {2}}, {9});
  EXPECT_TRUE(fuse_layer_norms(*graph).empty());  // the rank of x is unknown
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::to_shape({2, 3, 9}));
  const ir::Graph before = *graph;
  EXPECT_EQ(fuse_layer_norms(*graph), (ChangeCounts{{"LayerNormalization", 1}}));
  testing::expect_same_outputs(before, *graph, {{"x", random_tensor({2, 3, 9}, 3)}}, kNormRtol,
                               kNormAtol);
}

TEST(LayerNormFusion, KeepsPatternsItCannotFuse) {
  auto not_trailing = layer_norm({.axes = {-2}}, {1});
  EXPECT_TRUE(fuse_layer_norms(*not_trailing).empty());
  auto seen = layer_norm({}, {5});
  seen->outputs.push_back({"v", {}});  // the variance is a graph output
  EXPECT_TRUE(fuse_layer_norms(*seen).empty());
  auto read = layer_norm({}, {5});
  read->nodes.push_back(make_node("Neg", {"d"}, {"z"}));  // d has a third reader
  read->outputs.push_back({"z", {}});
  EXPECT_TRUE(fuse_layer_norms(*read).empty());
}

TEST(LayerNormFusion, StopsBeforeAGammaOfHigherRankThanTheNormalizedAxes) {
  auto graph = layer_norm({}, {1, 1, 6});
  const ir::Graph before = *graph;
  EXPECT_EQ(fuse_layer_norms(*graph), (ChangeCounts{{"LayerNormalization", 1}}));
  ASSERT_EQ(graph->nodes.size(), 4u);  // LayerNormalization, Mul, Add, Identity
  EXPECT_EQ(graph->nodes[0].inputs.size(), 2u);
  testing::expect_same_outputs(before, *graph, {{"x", random_tensor({2, 3, 6}, 3)}}, kNormRtol,
                               kNormAtol);
}

}  // namespace
}  // namespace zenith::passes
