// INT8 on the CPU device: QDQ graphs (passes/quantize.h) run as integer convolutions
// (zenith.QConv) that agree with REF running the QDQ graph as written.
#include "cpu/differential.h"
#include "passes/quantize.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

const std::vector<int64_t> kSame = {1, 1, 1, 1};

ir::Node named(ir::Node node, const std::string& name) {
  node.name = name;
  return node;
}

// Integer steps round activations to their scale; the CPU and REF may round a value on a .5
// boundary apart (x * (1 / s) against x / s), so outputs agree to a few quanta.
constexpr testing::CpuExpectation kInt8 = {.rtol = 1e-3, .atol = 1e-4, .scale = 2e-2};

// The graph with `nodes` quantized, activations in the given ranges.
ir::Graph quantized(std::shared_ptr<ir::Graph> g, const std::set<std::string>& nodes,
                    const std::map<std::string, passes::ActivationRange>& ranges) {
  passes::quantize_qdq(*g, nodes, ranges);
  return *g;
}

std::vector<runtime::StepProfile> profile(const ir::Graph& g,
                                          const std::map<std::string, ir::Value>& feeds) {
  const runtime::Plan plan(g, {"CPU", "REF"});
  std::vector<runtime::StepProfile> steps;
  plan.run(feeds, 0, &steps);
  return steps;
}

// X -> QConv 3x3 (+B) -> Relu -> QuantizeLinear (one step, u8 out) -> QConv 1x1 (f32 out).
TEST(CpuInt8, ConvChainPassesIntegersBetweenSteps) {
  const ir::Graph g = quantized(
      make_graph(
          {named(make_node("Conv", {"x", "w1", "b1"}, {"c1"}, {{"pads", kSame}}), "conv1"),
           make_node("Relu", {"c1"}, {"r"}), named(make_node("Conv", {"r", "w2"}, {"y"}), "conv2")},
          {"x"}, {"y"},
          {{"w1", random_tensor({32, 16, 3, 3}, 2)},
           {"b1", random_tensor({32}, 3)},
           {"w2", random_tensor({16, 32, 1, 1}, 4)}}),
      {"conv1", "conv2"}, {{"x", {-1.0f, 1.0f}}, {"r", {0.0f, 12.0f}}});
  for (int64_t batch : {1, 3}) {
    const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({batch, 16, 9, 7}, 1)}};
    testing::expect_cpu_matches_ref(g, feeds, kInt8);
    const auto steps = profile(g, feeds);
    ASSERT_EQ(steps.size(), 3u);  // Q(x), QConv+Relu+Q, QConv
    EXPECT_EQ(steps[0].op, "QuantizeLinear");
    EXPECT_EQ(steps[1].op, "QConv+Relu+QuantizeLinear");
    EXPECT_EQ(steps[2].op, "QConv");
    for (const auto& s : steps) {
      EXPECT_EQ(s.device, "CPU") << s.node;
      EXPECT_NE(s.implementation.rfind("ref", 0), 0u) << s.node << ": " << s.implementation;
    }
  }
}

// A residual block's last convolution: integer in, f32 out, the skip added and ReLU applied in
// the same step.
TEST(CpuInt8, ResidualSumAndReluAfterAnIntegerConv) {
  const ir::Graph g =
      quantized(make_graph({named(make_node("Conv", {"x", "w"}, {"c"}, {{"pads", kSame}}), "conv"),
                            make_node("Add", {"c", "x"}, {"s"}), make_node("Relu", {"s"}, {"y"})},
                           {"x"}, {"y"}, {{"w", random_tensor({16, 16, 3, 3}, 2)}}),
                {"conv"}, {{"x", {-1.0f, 1.0f}}});
  const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({2, 16, 6, 6}, 1)}};
  testing::expect_cpu_matches_ref(g, feeds, kInt8);
  const auto steps = profile(g, feeds);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[1].op, "QConv+Add+Relu");
}

// Grouped and depthwise integer convolutions, signed activations, strides.
TEST(CpuInt8, GroupedDepthwiseAndStrided) {
  for (int64_t group : {2, 16}) {
    SCOPED_TRACE("group " + std::to_string(group));
    const ir::Graph g = quantized(
        make_graph(
            {named(
                make_node(
                    "Conv", {"x", "w", "b"}, {"y"},
                    {{"pads", kSame}, {"group", group}, {"strides", std::vector<int64_t>{2, 2}}}),
                "conv")},
            {"x"}, {"y"},
            {{"w", random_tensor({16, 16 / group, 3, 3}, 2)}, {"b", random_tensor({16}, 3)}}),
        {"conv"}, {{"x", {-1.0f, 1.0f}}});
    testing::expect_cpu_matches_ref(g, {{"x", random_tensor({2, 16, 11, 10}, 1)}}, kInt8);
  }
}

}  // namespace
}  // namespace zenith
