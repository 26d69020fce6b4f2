// The per-step profile of a CPU run: what ran where, with which kernels, in which layout.
#include "cpu/differential.h"
#include "devices/cpu/channel_block.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

TEST(CpuProfile, NamesEachStepsDeviceKernelsAndLayout) {
  // A 3x3 Conv + Relu (one step, its kernel chosen among Winograd and direct), a Concat chain
  // computed in place, and an op the CPU device lacks (Sign runs on REF).
  const std::vector<int64_t> same = {1, 1, 1, 1};
  const auto g = make_graph(
      {make_node("Conv", {"X", "W"}, {"c"}, {{"pads", same}}), make_node("Relu", {"c"}, {"r"}),
       make_node("Conv", {"r", "W"}, {"f1"}, {{"pads", same}}),
       make_node("Concat", {"r", "f1"}, {"k1"}, {{"axis", int64_t{1}}}),
       make_node("Conv", {"k1", "W2"}, {"f2"}, {{"pads", same}}),
       make_node("Concat", {"r", "f1", "f2"}, {"k2"}, {{"axis", int64_t{1}}}),
       make_node("GlobalAveragePool", {"k2"}, {"p"}), make_node("Sign", {"p"}, {"Y"})},
      {"X"}, {"Y"}, {{"W", random_tensor({16, 16, 3, 3}, 2)}, {"W2", random_tensor({16, 32, 3, 3}, 3)}});
  const runtime::Plan plan(*g, {"CPU", "REF"});
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({1, 16, 8, 8}, 1)}};
  std::vector<runtime::StepProfile> steps;
  const auto outputs = plan.run(feeds, 0, &steps);
  ASSERT_EQ(steps.size(), 7u);  // the Relu is fused into the first Conv
  EXPECT_EQ(steps[0].op, "Conv+Relu");
  EXPECT_EQ(steps[0].device, "CPU");
  EXPECT_TRUE(steps[0].implementation.find("wino") != std::string::npos ||
              steps[0].implementation.find("jit:") != std::string::npos)
      << steps[0].implementation;
  EXPECT_EQ(steps[0].layout, cpu::channel_block() == 16 ? "nChw16c" : "nChw8c");
  EXPECT_EQ(steps[2].op, "Concat");
  EXPECT_EQ(steps[2].implementation, "view");
  EXPECT_EQ(steps[4].implementation, "view");
  EXPECT_EQ(steps[6].op, "Sign");
  EXPECT_EQ(steps[6].device, "REF");
  EXPECT_EQ(steps[6].implementation, "ref");
  EXPECT_EQ(steps[6].layout, "plain");
  for (const runtime::StepProfile& s : steps) {
    EXPECT_FALSE(s.node.empty());
    EXPECT_FALSE(s.implementation.empty()) << s.node;
    EXPECT_GE(s.ms, 0.0) << s.node;
  }
  // Profiling changes nothing in the results.
  testing::expect_outputs_near(outputs, plan.run(feeds, 0));
}

}  // namespace
}  // namespace zenith
