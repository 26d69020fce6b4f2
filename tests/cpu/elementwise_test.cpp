#include "cpu/differential.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

TEST(CpuEltwise, EveryActivationMatchesRef) {
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "Elu", "Exp", "Abs", "Neg", "Softplus",
                         "HardSwish", "HardSigmoid", "LeakyRelu"}) {
    SCOPED_TRACE(op);
    auto g = make_graph({make_node(op, {"X"}, {"Y"})}, {"X"}, {"Y"});
    expect_cpu_matches_ref(*g, {{"X", random_tensor({5, 3, 7, 1}, 1)}});
  }
}

// oneDNN 2.6 has no hardsigmoid: a linear then a clip, standalone or fused into a Conv.
TEST(CpuEltwise, HardSigmoidWithItsAttributesAloneAndFused) {
  const std::map<std::string, ir::Attribute> attrs = {{"alpha", 0.3f}, {"beta", 0.4f}};
  auto alone = make_graph({make_node("HardSigmoid", {"X"}, {"Y"}, attrs)}, {"X"}, {"Y"});
  expect_cpu_matches_ref(*alone, {{"X", random_tensor({2, 5, 7}, 1)}});
  auto fused = make_graph(
      {make_node("Conv", {"X", "W"}, {"c"}), make_node("HardSigmoid", {"c"}, {"h"}, attrs),
       make_node("Mul", {"X", "h"}, {"Y"})},
      {"X"}, {"Y"}, {{"W", random_tensor({16, 16, 1, 1}, 2)}});
  const ir::Tensor x = random_tensor({1, 16, 5, 6}, 1);
  expect_cpu_matches_ref(*fused, {{"X", x}});
  const runtime::Plan plan(*fused, {"CPU", "REF"});
  std::vector<runtime::StepProfile> steps;
  plan.run({{"X", x}}, 0, &steps);
  EXPECT_EQ(steps.front().op, "Conv+HardSigmoid");
}

TEST(CpuEltwise, LogAndSqrtOnPositiveInputs) {
  ir::Tensor x = random_tensor({3, 17}, 1);
  for (int64_t i = 0; i < x.numel(); ++i)
    x.data<float>()[i] = std::fabs(x.data<float>()[i]) + 0.01f;
  for (const char* op : {"Log", "Sqrt"}) {
    auto g = make_graph({make_node(op, {"X"}, {"Y"})}, {"X"}, {"Y"});
    expect_cpu_matches_ref(*g, {{"X", x}});
  }
}

TEST(CpuEltwise, ClipWithConstantBoundsAndOneBoundMissing) {
  auto g = make_graph({make_node("Clip", {"X", "", "hi"}, {"Y"})}, {"X"}, {"Y"},
                      {{"hi", ir::Tensor::scalar(0.25f)}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 9}, 1)}});
}

TEST(CpuEltwise, ClipWithBoundsFedAtRunTimeRunsOnRef) {
  auto g = make_graph({make_node("Clip", {"X", "lo"}, {"Y"})}, {"X", "lo"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 9}, 1)}, {"lo", ir::Tensor::scalar(0.1f)}},
                         {.on_cpu = false});
}

TEST(CpuBinary, BroadcastingInEitherOperand) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    SCOPED_TRACE(op);
    auto g = make_graph({make_node(op, {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"});
    expect_cpu_matches_ref(
        *g, {{"A", random_tensor({5, 3, 7, 9}, 1)}, {"B", random_tensor({3, 1, 9}, 2)}});
    expect_cpu_matches_ref(
        *g, {{"A", random_tensor({2, 4, 3}, 1)}, {"B", random_tensor({2, 4, 3}, 2)}});
  }
  auto add = make_graph({make_node("Add", {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"});
  expect_cpu_matches_ref(*add,
                         {{"A", random_tensor({1, 9}, 1)}, {"B", random_tensor({5, 3, 9}, 2)}});
}

// One image's worth ([C,H,W] or [1,C,H,W]) against a blocked [N,C,H,W]: image by image.
TEST(CpuBinary, OneImageAgainstABlockedBatch) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"})
    for (int64_t channels : {8, 40, 100})
      for (const ir::Dims& b : {ir::Dims{channels, 4, 5}, ir::Dims{1, channels, 4, 5}}) {
        SCOPED_TRACE(std::string(op) + " C=" + std::to_string(channels));
        ir::Tensor divisor = random_tensor(b, 3);
        for (int64_t i = 0; i < divisor.numel(); ++i)
          divisor.data<float>()[i] = std::fabs(divisor.data<float>()[i]) + 0.5f;
        auto g = make_graph({make_node("Conv", {"X", "W"}, {"c"}), make_node(op, {"c", "B"}, {"a"}),
                             make_node("Mul", {"a", "c"}, {"Y"})},
                            {"X"}, {"Y"},
                            {{"W", random_tensor({channels, channels, 1, 1}, 2)}, {"B", divisor}});
        for (int64_t batch : {1, 3})
          expect_cpu_matches_ref(*g, {{"X", random_tensor({batch, channels, 4, 5}, 1)}},
                                 {.rtol = 1e-3, .atol = 1e-4});
      }
}

// A plain [rows, k] against one row, or a [rows, 1] column against a scalar (SSD's box
// decoding, 3234 anchors): one broadcast step, not a run per row.
TEST(CpuBinary, ManyRowsAgainstOneRowInOneStep) {
  for (const auto& [a, b] :
       {std::pair{ir::Dims{3234, 2}, ir::Dims{2}}, std::pair{ir::Dims{3234, 1}, ir::Dims{}}}) {
    for (const char* op : {"Mul", "Div"}) {
      SCOPED_TRACE(std::string(op) + " " + ir::to_string(a));
      ir::Tensor divisor = random_tensor(b, 2);
      for (int64_t i = 0; i < divisor.numel(); ++i) divisor.data<float>()[i] += 3.0f;
      auto g = make_graph({make_node(op, {"A", "B"}, {"Y"})}, {"A"}, {"Y"}, {{"B", divisor}});
      const std::map<std::string, ir::Value> feeds = {{"A", random_tensor(a, 1)}};
      expect_cpu_matches_ref(*g, feeds);
      std::vector<runtime::StepProfile> steps;
      runtime::Plan(*g, {"CPU", "REF"}).run(feeds, 0, &steps);
      ASSERT_EQ(steps.size(), 1u);
      EXPECT_EQ(steps[0].implementation.find(" + "), std::string::npos) << steps[0].implementation;
    }
  }
}

// oneDNN 2.6 runs an operand broadcast along inner axes with its reference kernel; our strided
// loop takes these, in either operand order, with a fused activation.
TEST(CpuBinary, BroadcastAlongInnerAxesAsSwinsWindowMask) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    SCOPED_TRACE(op);
    auto g = make_graph({make_node(op, {"A", "B"}, {"s"}), make_node("Relu", {"s"}, {"Y"})},
                        {"A", "B"}, {"Y"});
    ir::Tensor b = random_tensor({1, 4, 1, 7, 7}, 2);
    for (int64_t i = 0; i < b.numel(); ++i) b.data<float>()[i] += 3.0f;  // no divisor near 0
    expect_cpu_matches_ref(*g, {{"A", random_tensor({2, 4, 3, 7, 7}, 1)}, {"B", b}});
  }
  auto swapped = make_graph({make_node("Add", {"B", "A"}, {"Y"})}, {"A", "B"}, {"Y"});
  expect_cpu_matches_ref(*swapped, {{"A", random_tensor({2, 4, 3, 7, 7}, 1)},
                                    {"B", random_tensor({4, 1, 7, 1}, 2)}});
}

TEST(CpuBinary, SubtrahendWiderThanMinuendRunsOnRef) {
  auto g = make_graph({make_node("Sub", {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"A", random_tensor({1, 9}, 1)}, {"B", random_tensor({5, 3, 9}, 2)}},
                         {.on_cpu = false});
}

}  // namespace
}  // namespace zenith
