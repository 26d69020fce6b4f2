#include "passes/gelu_fusion.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ir/zir.h"
#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"
#include "testing/temp_dir.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// The unfused graph computes in float and zenith.Gelu's REF kernel in double.
constexpr double kRtol = 1e-5, kAtol = 1e-6;

std::map<std::string, ir::Tensor> constants() {
  return {{"sqrt2", ir::Tensor::scalar(static_cast<float>(std::sqrt(2.0)))},
          {"inv_sqrt2", ir::Tensor::scalar(static_cast<float>(1 / std::sqrt(2.0)))},
          {"one", ir::Tensor::scalar(1.0f)},
          {"half", ir::Tensor::scalar(0.5f)},
          {"three", ir::Tensor::scalar(3.0f)},
          {"kappa", ir::Tensor::scalar(0.044715f)},
          {"beta", ir::Tensor::scalar(static_cast<float>(std::sqrt(2.0 / M_PI)))}};
}

// Fuses `nodes` (input x, output y, both with a Relu before and after so that x and y are
// intermediates) and expects one Gelu with `approximate` that computes the same.
void expect_fused(std::vector<ir::Node> nodes, const std::string& approximate) {
  nodes.insert(nodes.begin(), make_node("Relu", {"in"}, {"x"}));
  nodes.push_back(make_node("Sigmoid", {"y"}, {"out"}));
  auto graph = make_graph(nodes, {"in"}, {"out"}, constants());
  const ir::Graph before = *graph;
  EXPECT_EQ(fuse_gelus(*graph), (ChangeCounts{{"Gelu", 1}}));
  ASSERT_EQ(graph->nodes.size(), 3u);
  const ir::Node& gelu = graph->nodes[1];
  EXPECT_EQ(gelu.domain, "zenith");
  EXPECT_EQ(gelu.op_type, "Gelu");
  EXPECT_EQ(gelu.inputs, std::vector<std::string>{"x"});
  EXPECT_EQ(gelu.outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(gelu.attr<std::string>("approximate"), approximate);
  testing::expect_same_outputs(before, *graph, {{"in", random_tensor({3, 5, 7}, 4)}}, kRtol, kAtol);
}

TEST(GeluFusion, ErfFormInPyTorchsOrder) {  // torch.nn.GELU: (x * (erf(x / sqrt2) + 1)) * 0.5
  expect_fused({make_node("Div", {"x", "sqrt2"}, {"a"}), make_node("Erf", {"a"}, {"b"}),
                make_node("Add", {"b", "one"}, {"c"}), make_node("Mul", {"x", "c"}, {"d"}),
                make_node("Mul", {"d", "half"}, {"y"})},
               "none");
}

TEST(GeluFusion, ErfFormWithTheHalfFirst) {  // BERT's gelu: (x * 0.5) * (1 + erf(x / sqrt2))
  expect_fused({make_node("Mul", {"x", "half"}, {"h"}), make_node("Div", {"x", "sqrt2"}, {"a"}),
                make_node("Erf", {"a"}, {"b"}), make_node("Add", {"one", "b"}, {"c"}),
                make_node("Mul", {"h", "c"}, {"y"})},
               "none");
}

TEST(GeluFusion, ErfFormScaledByTheInverseAndHalvedBeforeX) {  // x * ((erf(x * 1/sqrt2) + 1) * 0.5)
  expect_fused({make_node("Mul", {"inv_sqrt2", "x"}, {"a"}), make_node("Erf", {"a"}, {"b"}),
                make_node("Add", {"b", "one"}, {"c"}), make_node("Mul", {"half", "c"}, {"d"}),
                make_node("Mul", {"d", "x"}, {"y"})},
               "none");
}

TEST(GeluFusion, TanhFormWithPowAndWithProducts) {
  // torch.nn.GELU(approximate="tanh"): 0.5 * (x * (1 + tanh(beta * (x + kappa * (x * (x * x))))))
  expect_fused({make_node("Mul", {"x", "x"}, {"sq"}), make_node("Mul", {"x", "sq"}, {"cube"}),
                make_node("Mul", {"kappa", "cube"}, {"k"}), make_node("Add", {"x", "k"}, {"s"}),
                make_node("Mul", {"beta", "s"}, {"i"}), make_node("Tanh", {"i"}, {"t"}),
                make_node("Add", {"one", "t"}, {"c"}), make_node("Mul", {"x", "c"}, {"d"}),
                make_node("Mul", {"half", "d"}, {"y"})},
               "tanh");
  // GPT-2's new_gelu: 0.5 * x * (1 + tanh(beta * (x + kappa * pow(x, 3))))
  expect_fused({make_node("Mul", {"half", "x"}, {"h"}), make_node("Pow", {"x", "three"}, {"cube"}),
                make_node("Mul", {"cube", "kappa"}, {"k"}), make_node("Add", {"k", "x"}, {"s"}),
                make_node("Mul", {"s", "beta"}, {"i"}), make_node("Tanh", {"i"}, {"t"}),
                make_node("Add", {"t", "one"}, {"c"}), make_node("Mul", {"h", "c"}, {"y"})},
               "tanh");
}

TEST(GeluFusion, KeepsPatternsWhoseValuesOthersSeeOrWhoseConstantsDiffer) {
  auto nodes = [](const std::string& divisor) {
    return std::vector<ir::Node>{
        make_node("Div", {"x", divisor}, {"a"}), make_node("Erf", {"a"}, {"b"}),
        make_node("Add", {"b", "one"}, {"c"}), make_node("Mul", {"x", "c"}, {"d"}),
        make_node("Mul", {"d", "half"}, {"y"})};
  };
  auto consts = constants();
  consts["rough"] = ir::Tensor::scalar(1.414f);
  auto seen = make_graph(nodes("sqrt2"), {"x"}, {"y", "b"}, consts);  // erf's output is an output
  EXPECT_TRUE(fuse_gelus(*seen).empty());
  auto read = make_graph(nodes("sqrt2"), {"x"}, {"y", "n"}, consts);
  read->nodes.push_back(make_node("Neg", {"d"}, {"n"}));  // x * t has another reader
  EXPECT_TRUE(fuse_gelus(*read).empty());
  auto rough = make_graph(nodes("rough"), {"x"}, {"y"}, consts);
  EXPECT_TRUE(fuse_gelus(*rough).empty());
}

TEST(GeluFusion, FusedGraphRoundTripsThroughZir) {
  auto graph =
      make_graph({make_node("Div", {"x", "sqrt2"}, {"a"}), make_node("Erf", {"a"}, {"b"}),
                  make_node("Add", {"b", "one"}, {"c"}), make_node("Mul", {"x", "c"}, {"d"}),
                  make_node("Mul", {"d", "half"}, {"y"})},
                 {"x"}, {"y"}, constants());
  const ir::Graph before = *graph;
  fuse_gelus(*graph);
  const testing::TempDir dir("gelu_zir");
  ir::write_zir(*graph, dir / "gelu.zir");
  const ir::Graph loaded = ir::read_zir(dir / "gelu.zir");
  ASSERT_EQ(loaded.nodes.size(), 1u);
  EXPECT_EQ(loaded.nodes[0].domain, "zenith");
  EXPECT_EQ(loaded.nodes[0].attr<std::string>("approximate"), "none");
  testing::expect_same_outputs(before, loaded, {{"x", random_tensor({4, 9}, 2)}}, kRtol, kAtol);
}

}  // namespace
}  // namespace zenith::passes
