#include "cpu/differential.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

std::map<std::string, ir::Tensor> conv_weights() {
  return {{"W", random_tensor({19, 5, 3, 3}, 2)}, {"B", random_tensor({19}, 3)}};
}

const std::map<std::string, ir::Attribute> kSame = {{"pads", std::vector<int64_t>{1, 1, 1, 1}}};

TEST(CpuFusion, ConvReluIsOneStep) {
  auto g = make_graph({make_node("Conv", {"X", "W", "B"}, {"c"}, kSame),
                       make_node("Relu", {"c"}, {"Y"})},
                      {"X"}, {"Y"}, conv_weights());
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 5, 7, 9}, 1)}});
  const runtime::Plan plan(*g, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[1].fused_into, "n_Conv");
}

// A MobileNetV2 block's 1x1 expansion (16 -> 96 channels), clip, 3x3 depthwise convolution and
// clip. `pads`: the depthwise Conv's.
std::shared_ptr<ir::Graph> expand_depthwise(int64_t stride, bool dw_bias,
                                            std::vector<int64_t> pads) {
  auto expand = make_node("Conv", {"X", "W1", "B1"}, {"e"});
  expand.name = "expand";
  std::vector<std::string> dw_inputs = {"r", "Wd"};
  if (dw_bias) dw_inputs.push_back("Bd");
  auto dw = make_node("Conv", dw_inputs, {"d"},
                      {{"group", int64_t{96}}, {"pads", std::move(pads)},
                       {"strides", std::vector<int64_t>{stride, stride}}});
  dw.name = "depthwise";
  return make_graph(
      {expand, make_node("Clip", {"e", "lo", "hi"}, {"r"}), dw,
       make_node("Clip", {"d", "lo", "hi"}, {"Y"})},
      {"X"}, {"Y"},
      {{"W1", random_tensor({96, 16, 1, 1}, 2)}, {"B1", random_tensor({96}, 3)},
       {"Wd", random_tensor({96, 1, 3, 3}, 4)}, {"Bd", random_tensor({96}, 5)},
       {"lo", ir::Tensor::scalar(0.0f)}, {"hi", ir::Tensor::scalar(0.5f)}});
}

TEST(CpuFusion, DepthwiseConvFollowingA1x1ConvIsItsPostOp) {
  for (const int64_t stride : {1, 2})
    for (const bool bias : {true, false})
      for (const ir::Dims& x : {ir::Dims{1, 16, 112, 112}, ir::Dims{4, 16, 56, 56}}) {
        SCOPED_TRACE(fmt::format("stride {}, bias {}, x {}", stride, bias, ir::to_string(x)));
        const std::map<std::string, ir::Value> feeds = {{"X", random_tensor(x, 1)}};
        const ir::Graph g =
            testing::frozen_for(*expand_depthwise(stride, bias, {1, 1, 1, 1}), feeds);
        expect_cpu_matches_ref(g, feeds);
        const runtime::Plan plan(g, {"CPU", "REF"});
        std::vector<runtime::StepProfile> profile;
        plan.run(feeds, 0, &profile);
        ASSERT_EQ(profile.size(), 1u) << profile.back().node;
        EXPECT_EQ(profile[0].op, "Conv+Clip+Conv+Clip");
        EXPECT_EQ(plan.assignments()[2].fused_into, "expand");
        EXPECT_EQ(plan.ref_fallbacks(), 0u);
      }
}

TEST(CpuFusion, DepthwiseConvIsNotFusedWithOtherPaddingOrWithoutAFusedKernel) {
  // Padding 0 or 2 is not the post-op's; for these dims oneDNN 2.6 offers only its composite
  // `ref_fused_convolution`, no faster than two steps.
  const std::vector<std::pair<ir::Dims, std::vector<int64_t>>> cases = {
      {{2, 16, 9, 9}, {0, 0, 0, 0}},
      {{2, 16, 9, 9}, {2, 2, 2, 2}},
      {{2, 16, 28, 28}, {1, 1, 1, 1}}};
  for (const auto& [x, pads] : cases) {
    SCOPED_TRACE(fmt::format("x {}, pads {}", ir::to_string(x), pads[0]));
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor(x, 1)}};
    const ir::Graph g = testing::frozen_for(*expand_depthwise(1, true, pads), feeds);
    expect_cpu_matches_ref(g, feeds);
    const runtime::Plan plan(g, {"CPU", "REF"});
    EXPECT_EQ(plan.assignments()[2].fused_into, "");
  }
}

TEST(CpuFusion, ConvClipAndResidualAddRelu) {
  auto g = make_graph(
      {make_node("Conv", {"X", "W", "B"}, {"c"}, kSame),
       make_node("Clip", {"c", "lo", "hi"}, {"clipped"}), make_node("Add", {"Z", "clipped"}, {"s"}),
       make_node("Relu", {"s"}, {"Y"})},
      {"X", "Z"}, {"Y"},
      {{"W", random_tensor({19, 5, 3, 3}, 2)}, {"B", random_tensor({19}, 3)},
       {"lo", ir::Tensor::scalar(-0.5f)}, {"hi", ir::Tensor::scalar(0.5f)}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({1, 5, 7, 9}, 1)},
                              {"Z", random_tensor({1, 19, 7, 9}, 4)}});
  const runtime::Plan plan(*g, {"CPU", "REF"});
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(plan.assignments()[i].fused_into, "n_Conv") << i;
}

// An activation before the residual Add (EfficientNetV2's fused blocks): where oneDNN has no
// fast kernel for the sum after the eltwise (AVX2), the step adds the addend, a blocked map
// like its output, by a binary primitive after the convolution. Still one step, and REF's result.
TEST(CpuFusion, ActivationThenResidualAddOfABlockedMap) {
  for (const bool silu : {false, true}) {
    SCOPED_TRACE(silu ? "SiLU" : "Relu");
    ir::Node activation = make_node(silu ? "Swish" : "Relu", {"c"}, {"a"});
    if (silu) activation.domain = "zenith";
    auto g = make_graph({make_node("Conv", {"X", "W0"}, {"m"}, kSame),
                         make_node("Conv", {"m", "W", "B"}, {"c"}, kSame), activation,
                         make_node("Add", {"a", "m"}, {"Y"})},
                        {"X"}, {"Y"},
                        {{"W0", random_tensor({24, 5, 3, 3}, 5)},
                         {"W", random_tensor({24, 24, 3, 3}, 2)},
                         {"B", random_tensor({24}, 3)}});
    for (int64_t batch : {1, 2})
      expect_cpu_matches_ref(*g, {{"X", random_tensor({batch, 5, 9, 11}, 1)}}, testing::kWinograd);
    const runtime::Plan plan(*g, {"CPU", "REF"});
    EXPECT_EQ(plan.assignments()[3].fused_into, "n_Conv");
  }
}

TEST(CpuFusion, ResidualAddIntoAConvWithoutBias) {
  // The addend follows W among the step's inputs, where a bias would be: it must not be read
  // as one.
  auto g = make_graph({make_node("Conv", {"X", "W"}, {"c"}, kSame), make_node("Add", {"c", "Z"}, {"Y"})},
                      {"X", "Z"}, {"Y"}, {{"W", random_tensor({16, 5, 3, 3}, 2)}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({1, 5, 7, 9}, 1)}, {"Z", random_tensor({1, 16, 7, 9}, 4)}},
                         testing::kWinograd);
  const runtime::Plan plan(*g, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[1].fused_into, "n_Conv");
}

TEST(CpuFusion, ResidualAddThatBroadcastsRunsAsASeparatePrimitive) {
  auto g = make_graph({make_node("Conv", {"X", "W", "B"}, {"c"}, kSame),
                       make_node("Add", {"c", "Z"}, {"s"}), make_node("Sigmoid", {"s"}, {"Y"})},
                      {"X", "Z"}, {"Y"}, conv_weights());
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 5, 7, 9}, 1)},
                              {"Z", random_tensor({19, 1, 9}, 4)}});
}

// Z broadcasts the Conv's output to a larger shape: that Add cannot be summed into the Conv's
// output, so it stays a step of its own (it used to be fused, then declined at warm-up to REF).
TEST(CpuFusion, ResidualAddThatEnlargesTheOutputIsNotFused) {
  auto g = make_graph({make_node("Conv", {"X", "W", "B"}, {"c"}, kSame),
                       make_node("Add", {"c", "Z"}, {"Y"})},
                      {"X", "Z"}, {"Y"}, conv_weights());
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({1, 5, 7, 9}, 1)},
                                                  {"Z", random_tensor({3, 19, 7, 9}, 4)}};
  const ir::Graph frozen = testing::frozen_for(*g, feeds);
  expect_cpu_matches_ref(frozen, feeds);
  const runtime::Plan plan(frozen, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[1].fused_into, "");
}

TEST(CpuFusion, ResidualAddendFromACpuStepWithAndWithoutOtherReaders) {
  // The addend comes from a CPU step and dies at the Add: its buffer may take the sum.
  auto own = make_graph({make_node("Relu", {"Z"}, {"z"}),
                         make_node("Conv", {"X", "W", "B"}, {"c"}, kSame),
                         make_node("Add", {"c", "z"}, {"Y"})},
                        {"X", "Z"}, {"Y"}, conv_weights());
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({1, 5, 7, 9}, 1)},
                                                  {"Z", random_tensor({1, 19, 7, 9}, 4)}};
  expect_cpu_matches_ref(*own, feeds);
  // Here a REF Reshape also reads the addend (a plain one it would view, not copy), and its
  // output is read after the Add, so the addend's buffer must survive.
  auto shared = make_graph({make_node("Relu", {"Z"}, {"z"}),
                            make_node("Reshape", {"z", "shape"}, {"flat"}),
                            make_node("Conv", {"X", "W", "B"}, {"c"}, kSame),
                            make_node("Add", {"c", "z"}, {"Y"})},
                           {"X", "Z"}, {"Y", "flat"},
                           {{"W", random_tensor({19, 5, 3, 3}, 2)}, {"B", random_tensor({19}, 3)},
                            {"shape", testing::make_tensor<int64_t>({2}, {19, 63})}});
  expect_cpu_matches_ref(*shared, feeds, {.on_cpu = false});
}

TEST(CpuFusion, AnOutputReadElsewhereIsNotFused) {
  auto g = make_graph({make_node("Conv", {"X", "W", "B"}, {"c"}, kSame),
                       make_node("Relu", {"c"}, {"Y"})},
                      {"X"}, {"Y", "c"}, conv_weights());
  expect_cpu_matches_ref(*g, {{"X", random_tensor({1, 5, 7, 9}, 1)}});
  const runtime::Plan plan(*g, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[1].fused_into, "");
}

TEST(CpuFusion, BatchNormRelu) {
  std::map<std::string, ir::Tensor> init = {{"s", random_tensor({21}, 2)},
                                            {"b", random_tensor({21}, 3)},
                                            {"m", random_tensor({21}, 4)}};
  ir::Tensor var = random_tensor({21}, 5);
  for (int64_t i = 0; i < 21; ++i) var.data<float>()[i] = std::fabs(var.data<float>()[i]) + 0.1f;
  init["v"] = var;
  auto g = make_graph({make_node("BatchNormalization", {"X", "s", "b", "m", "v"}, {"n"}),
                       make_node("Relu", {"n"}, {"Y"})},
                      {"X"}, {"Y"}, init);
  expect_cpu_matches_ref(*g, {{"X", random_tensor({5, 21, 3, 7}, 1)}});
}

}  // namespace
}  // namespace zenith
