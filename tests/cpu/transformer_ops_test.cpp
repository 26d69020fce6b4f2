// CPU-vs-REF tests of the ops transformer models need: GELU, Swish, Erf, Pow,
// LayerNormalization, reductions, softmax on any axis, batched MatMul, attention. Each asserts the
// nodes ran on CPU (or, where stated, that they fall back to REF).
#include "cpu/differential.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::CpuExpectation;
using testing::expect_cpu_matches_ref;
using testing::frozen_for;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// `random_tensor` stretched to [-range, range): reaches erf's and GELU's flat tails.
ir::Tensor spread(ir::Dims dims, float range, uint64_t seed = 1) {
  ir::Tensor t = random_tensor(std::move(dims), seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] *= range;
  return t;
}

ir::Node gelu(const std::string& x, const std::string& y, const std::string& approximate) {
  return testing::zenith_node("Gelu", {x}, {y}, {{"approximate", approximate}});
}

// oneDNN's GELU and our erf are polynomial approximations; REF computes in double.
constexpr CpuExpectation kApprox = {.rtol = 1e-5, .atol = 2e-6};

TEST(CpuTransformerOps, GeluBothFormsStandalone) {
  for (const char* approximate : {"none", "tanh"})
    for (const ir::Dims& dims : {ir::Dims{5, 3, 7, 1}, ir::Dims{1, 17}, ir::Dims{2, 16, 300}}) {
      SCOPED_TRACE(approximate);
      auto g = make_graph({gelu("X", "Y", approximate)}, {"X"}, {"Y"});
      expect_cpu_matches_ref(*g, {{"X", spread(dims, 6.0f)}}, kApprox);
    }
}

TEST(CpuTransformerOps, GeluFusesIntoMatMulAndBinary) {
  auto mm = make_graph({make_node("MatMul", {"A", "W"}, {"m"}), gelu("m", "Y", "none")}, {"A"},
                       {"Y"}, {{"W", random_tensor({19, 37}, 2)}});
  expect_cpu_matches_ref(*mm, {{"A", spread({2, 5, 19}, 2.0f)}}, kApprox);
  const runtime::Plan plan(*mm, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[1].fused_into, "n_MatMul");
  auto add =
      make_graph({make_node("Add", {"A", "B"}, {"s"}), gelu("s", "Y", "tanh")}, {"A", "B"}, {"Y"});
  expect_cpu_matches_ref(*add, {{"A", spread({3, 7, 5}, 3.0f)}, {"B", random_tensor({5}, 2)}},
                         kApprox);
  EXPECT_EQ(runtime::Plan(*add, {"CPU", "REF"}).assignments()[1].fused_into, "n_Add");
}

// PyTorch exports Linear on a [B, S, K] input as MatMul by the weight, then Add of the bias: one
// step, the bias oneDNN's, then GELU as a post-op. At batch 1 A's rows fold into one GEMM.
TEST(CpuTransformerOps, LinearsBiasAddAndActivationFuseIntoMatMul) {
  for (const bool bias_first : {false, true})
    for (const ir::Dims& bias : {ir::Dims{37}, ir::Dims{1, 1, 37}}) {
      SCOPED_TRACE(bias_first);
      auto g = make_graph({make_node("MatMul", {"A", "W"}, {"m"}),
                           make_node("Add", bias_first ? std::vector<std::string>{"b", "m"}
                                                       : std::vector<std::string>{"m", "b"},
                                     {"s"}),
                           gelu("s", "Y", "none")},
                          {"A"}, {"Y"},
                          {{"W", random_tensor({19, 37}, 2)}, {"b", random_tensor(bias, 3)}});
      for (int64_t batch : {1, 3}) {
        const std::map<std::string, ir::Value> feeds = {{"A", spread({batch, 5, 19}, 2.0f)}};
        const ir::Graph frozen = frozen_for(*g, feeds);
        expect_cpu_matches_ref(frozen, feeds, kApprox);
        const runtime::Plan plan(frozen, {"CPU", "REF"});
        EXPECT_EQ(plan.assignments()[1].fused_into, "n_MatMul");
        EXPECT_EQ(plan.assignments()[2].fused_into, "n_MatMul");
      }
    }
}

// An addend that is not a bias along the last axis stays a step of its own.
TEST(CpuTransformerOps, MatMulKeepsAnAddThatIsNotABias) {
  auto g = make_graph({make_node("MatMul", {"A", "W"}, {"m"}), make_node("Add", {"m", "b"}, {"Y"})},
                      {"A"}, {"Y"},
                      {{"W", random_tensor({19, 37}, 2)}, {"b", random_tensor({5, 37}, 3)}});
  const std::map<std::string, ir::Value> feeds = {{"A", spread({2, 5, 19}, 2.0f)}};
  const ir::Graph frozen = frozen_for(*g, feeds);
  expect_cpu_matches_ref(frozen, feeds, kApprox);
  EXPECT_EQ(runtime::Plan(frozen, {"CPU", "REF"}).assignments()[1].fused_into, "");
}

TEST(CpuTransformerOps, GeluPatternIsFusedAndRunsOnCpu) {
  // REF runs PyTorch's erf form as written; CPU runs it as one fused Gelu.
  auto g = make_graph({make_node("Div", {"X", "sqrt2"}, {"a"}), make_node("Erf", {"a"}, {"b"}),
                       make_node("Add", {"b", "one"}, {"c"}), make_node("Mul", {"X", "c"}, {"d"}),
                       make_node("Mul", {"d", "half"}, {"Y"})},
                      {"X"}, {"Y"},
                      {{"sqrt2", ir::Tensor::scalar(1.41421356f)},
                       {"one", ir::Tensor::scalar(1.0f)},
                       {"half", ir::Tensor::scalar(0.5f)}});
  expect_cpu_matches_ref(*g, {{"X", spread({2, 9, 13}, 5.0f)}}, kApprox);
  const runtime::Plan plan(*g, {"CPU", "REF"});
  ASSERT_EQ(plan.assignments().size(), 1u);
  EXPECT_EQ(plan.assignments()[0].op_type, "Gelu");
}

TEST(CpuTransformerOps, SiLUPatternRunsAsSwishStandaloneAndFusedIntoConv) {
  auto alone = make_graph({make_node("Sigmoid", {"X"}, {"s"}), make_node("Mul", {"X", "s"}, {"Y"})},
                          {"X"}, {"Y"});
  expect_cpu_matches_ref(*alone, {{"X", spread({2, 5, 33}, 8.0f)}}, kApprox);
  ASSERT_EQ(runtime::Plan(*alone, {"CPU", "REF"}).assignments().size(), 1u);
  auto conv = make_graph({make_node("Conv", {"X", "W"}, {"c"}), make_node("Sigmoid", {"c"}, {"s"}),
                          make_node("Mul", {"s", "c"}, {"Y"})},
                         {"X"}, {"Y"}, {{"W", random_tensor({19, 5, 1, 1}, 2)}});
  expect_cpu_matches_ref(*conv, {{"X", spread({2, 5, 7, 9}, 3.0f)}}, kApprox);
  const runtime::Plan plan(*conv, {"CPU", "REF"});
  ASSERT_EQ(plan.assignments().size(), 2u);
  EXPECT_EQ(plan.assignments()[1].op_type, "Swish");
  EXPECT_EQ(plan.assignments()[1].fused_into, "n_Conv");
}

TEST(CpuTransformerOps, ErfOverItsWholeRangeAndAcrossThreads) {
  auto g = make_graph({make_node("Erf", {"X"}, {"Y"})}, {"X"}, {"Y"});
  for (const ir::Dims& dims : {ir::Dims{1, 7}, ir::Dims{3, 5, 17}, ir::Dims{4, 97, 65}}) {
    ir::Tensor x = spread(dims, 5.0f);
    x.data<float>()[0] = std::numeric_limits<float>::infinity();
    x.data<float>()[1] = 0.0f;
    expect_cpu_matches_ref(*g, {{"X", x}}, kApprox);
  }
}

TEST(CpuTransformerOps, PowByConstantsReciprocalAndRound) {
  ir::Tensor positive = random_tensor({3, 5, 17}, 1);
  for (int64_t i = 0; i < positive.numel(); ++i)
    positive.data<float>()[i] = std::fabs(positive.data<float>()[i]) + 0.1f;
  for (float exponent : {2.0f, 3.0f, 0.5f, -1.5f}) {
    SCOPED_TRACE(exponent);
    auto g = make_graph({make_node("Pow", {"X", "e"}, {"Y"})}, {"X"}, {"Y"},
                        {{"e", ir::Tensor::scalar(exponent)}});
    expect_cpu_matches_ref(*g, {{"X", positive}}, {.rtol = 1e-5, .atol = 1e-6});
  }
  auto reciprocal = make_graph({make_node("Reciprocal", {"X"}, {"Y"})}, {"X"}, {"Y"});
  expect_cpu_matches_ref(*reciprocal, {{"X", positive}}, {.rtol = 1e-6, .atol = 0});
  auto round = make_graph({make_node("Round", {"X"}, {"Y"})}, {"X"}, {"Y"});
  ir::Tensor halves = spread({2, 19}, 4.0f);
  for (int64_t i = 0; i < 8; ++i) halves.data<float>()[i] = static_cast<float>(i) - 3.5f;  // ties
  expect_cpu_matches_ref(*round, {{"X", halves}}, {.rtol = 0, .atol = 0});
}

TEST(CpuTransformerOps, PowByARunTimeExponentRunsOnRef) {
  auto g = make_graph({make_node("Pow", {"X", "e"}, {"Y"})}, {"X", "e"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 3}, 1)}, {"e", ir::Tensor::scalar(2.0f)}},
                         {.on_cpu = false});
  EXPECT_EQ(runtime::Plan(*g, {"CPU", "REF"}).assignments()[0].reason,
            "the exponent is not an f32 scalar constant");
}

// oneDNN accumulates the statistics in float; REF in double.
constexpr CpuExpectation kNorm = {.rtol = 1e-4, .atol = 1e-5};

TEST(CpuTransformerOps, LayerNormalizationOverAnyTailWithBroadcastParams) {
  struct Case {
    ir::Dims x;
    int64_t axis;
    ir::Dims scale, bias;  // bias {} : absent
  };
  for (const Case& c : std::vector<Case>{{{2, 5, 17}, -1, {17}, {17}},
                                         {{1, 16, 64}, 2, {64}, {}},
                                         {{3, 4, 5, 7}, -2, {5, 7}, {1, 7}},
                                         {{2, 3, 5}, 0, {1}, {3, 1}},
                                         {{7, 33}, -1, {33}, {1}}}) {
    SCOPED_TRACE(::testing::Message() << "axis " << c.axis);
    std::map<std::string, ir::Tensor> params = {{"scale", random_tensor(c.scale, 2)}};
    std::vector<std::string> inputs = {"X", "scale"};
    if (!c.bias.empty()) {
      params["bias"] = random_tensor(c.bias, 3);
      inputs.push_back("bias");
    }
    auto g = make_graph(
        {make_node("LayerNormalization", inputs, {"Y"}, {{"axis", c.axis}, {"epsilon", 1e-3f}})},
        {"X"}, {"Y"}, params);
    expect_cpu_matches_ref(*g, {{"X", spread(c.x, 3.0f)}}, kNorm);
  }
}

TEST(CpuTransformerOps, LayerNormalizationWithRunTimeScaleRunsOnRef) {
  auto g = make_graph({make_node("LayerNormalization", {"X", "S"}, {"Y"})}, {"X", "S"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 5}, 1)}, {"S", random_tensor({5}, 2)}},
                         {.on_cpu = false});
}

TEST(CpuTransformerOps, PyTorchsLayerNormPatternRunsAsOneCpuStep) {
  auto axes = testing::make_tensor<int64_t>({1}, {-1});
  auto g = make_graph(
      {make_node("ReduceMean", {"X", "axes"}, {"m"}), make_node("Sub", {"X", "m"}, {"d"}),
       make_node("Pow", {"d", "two"}, {"p"}), make_node("ReduceMean", {"p", "axes"}, {"v"}),
       make_node("Add", {"v", "eps"}, {"e"}), make_node("Sqrt", {"e"}, {"s"}),
       make_node("Div", {"d", "s"}, {"n"}), make_node("Mul", {"n", "gamma"}, {"g"}),
       make_node("Add", {"g", "beta"}, {"Y"})},
      {"X"}, {"Y"},
      {{"axes", axes},
       {"two", ir::Tensor::scalar(2.0f)},
       {"eps", ir::Tensor::scalar(1e-5f)},
       {"gamma", random_tensor({64}, 2)},
       {"beta", random_tensor({64}, 3)}});
  for (int64_t batch : {1, 3})
    expect_cpu_matches_ref(*g, {{"X", spread({batch, 16, 64}, 2.0f, batch)}}, kNorm);
  const runtime::Plan plan(*g, {"CPU", "REF"});
  ASSERT_EQ(plan.assignments().size(), 1u);
  EXPECT_EQ(plan.assignments()[0].op_type, "LayerNormalization");
}

TEST(CpuTransformerOps, EveryReductionOnAdjacentSplitAndAllAxes) {
  ir::Tensor x = random_tensor({3, 4, 5, 33}, 1);
  // In [0.9, 1.1): LogSum's argument stays positive and a product of all 1980 stays finite.
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = 1.0f + 0.1f * x.data<float>()[i];
  const std::vector<std::vector<int64_t>> axes_cases = {{-1}, {1}, {1, 2}, {0, 2}, {1, 3}, {}};
  for (const char* op : {"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
                         "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare"})
    for (const std::vector<int64_t>& axes : axes_cases)
      for (int64_t keepdims : {0, 1}) {
        if (axes.empty() && keepdims == 0) continue;  // a rank-0 output: REF's (tested below)
        SCOPED_TRACE(::testing::Message()
                     << op << " axes " << axes.size() << " keepdims " << keepdims);
        std::vector<std::string> inputs = {"X"};
        std::map<std::string, ir::Tensor> init;
        if (!axes.empty()) {
          inputs.push_back("axes");
          init["axes"] = testing::make_tensor<int64_t>({static_cast<int64_t>(axes.size())}, axes);
        }
        auto g = make_graph({make_node(op, inputs, {"Y"}, {{"keepdims", keepdims}})}, {"X"}, {"Y"},
                            init);
        // Float accumulation over up to 1980 elements against REF's double.
        expect_cpu_matches_ref(*g, {{"X", x}}, {.rtol = 1e-5, .atol = 1e-5});
      }
}

TEST(CpuTransformerOps, ReductionToAScalarOrOverRunTimeAxesRunsOnRef) {
  auto all =
      make_graph({make_node("ReduceSum", {"X"}, {"Y"}, {{"keepdims", int64_t{0}}})}, {"X"}, {"Y"});
  expect_cpu_matches_ref(*all, {{"X", random_tensor({3, 4}, 1)}}, {.on_cpu = false});
  auto fed = make_graph({make_node("ReduceSum", {"X", "axes"}, {"Y"})}, {"X", "axes"}, {"Y"});
  expect_cpu_matches_ref(
      *fed, {{"X", random_tensor({3, 4}, 1)}, {"axes", testing::make_tensor<int64_t>({1}, {1})}},
      {.on_cpu = false});
}

TEST(CpuTransformerOps, SoftmaxAndLogSoftmaxOnEveryAxis) {
  for (const char* op : {"Softmax", "LogSoftmax"})
    for (int64_t axis : {0, 1, 2, 3, -1}) {
      SCOPED_TRACE(::testing::Message() << op << " axis " << axis);
      auto g = make_graph({make_node(op, {"X"}, {"Y"}, {{"axis", axis}})}, {"X"}, {"Y"});
      // LogSoftmax is x - max - log(sum): inputs up to 8 apart leave absolute errors of a few
      // float steps of 8 in results near 0.
      const double atol = std::string(op) == "Softmax" ? 1e-6 : 1e-5;
      expect_cpu_matches_ref(*g, {{"X", spread({2, 3, 5, 17}, 4.0f)}},
                             {.rtol = 1e-5, .atol = atol});
    }
}

TEST(CpuTransformerOps, AttentionPatternRunsAsOneCpuStep) {
  struct Case {
    ir::Dims q, k, v, mask;  // mask {}: none
  };
  for (const Case& c :
       std::vector<Case>{{{2, 4, 16, 8}, {2, 4, 8, 16}, {2, 4, 16, 8}, {2, 1, 1, 16}},
                         {{1, 3, 7, 5}, {1, 3, 5, 9}, {1, 3, 9, 6}, {}},
                         {{3, 7, 5}, {3, 5, 7}, {3, 7, 5}, {7, 7}}}) {
    SCOPED_TRACE(ir::to_string(c.q));
    std::vector<ir::Node> nodes = {make_node("MatMul", {"Q", "K"}, {"s"}),
                                   make_node("Div", {"s", "c"}, {"t"})};
    std::vector<std::string> inputs = {"Q", "K", "V"};
    std::string scores = "t";
    if (!c.mask.empty()) {
      nodes.push_back(make_node("Add", {"t", "M"}, {"u"}));
      inputs.push_back("M");
      scores = "u";
    }
    nodes.push_back(make_node("Softmax", {scores}, {"p"}, {{"axis", int64_t{-1}}}));
    nodes.push_back(make_node("MatMul", {"p", "V"}, {"Y"}));
    auto g = make_graph(nodes, inputs, {"Y"}, {{"c", ir::Tensor::scalar(2.8284271f)}});
    std::map<std::string, ir::Value> feeds = {
        {"Q", spread(c.q, 2.0f, 1)}, {"K", spread(c.k, 2.0f, 2)}, {"V", random_tensor(c.v, 3)}};
    if (!c.mask.empty()) feeds["M"] = spread(c.mask, 3.0f, 4);
    expect_cpu_matches_ref(*g, feeds, {.rtol = 1e-5, .atol = 1e-6});
    const runtime::Plan plan(*g, {"CPU", "REF"});
    ASSERT_EQ(plan.assignments().size(), 1u);
    EXPECT_EQ(plan.assignments()[0].op_type, "Attention");
  }
}

TEST(CpuTransformerOps, MatMulWithNumpyBatchBroadcasting) {
  struct Case {
    ir::Dims a, b;
    bool constant_b;
  };
  for (const Case& c : std::vector<Case>{{{2, 4, 16, 8}, {2, 4, 8, 16}, false},   // Q K^T
                                         {{1, 4, 16, 16}, {1, 4, 16, 8}, false},  // P V
                                         {{3, 16, 24}, {24, 40}, true},           // linear layer
                                         {{16, 24}, {3, 24, 5}, false},
                                         {{9, 2, 24}, {1, 24, 40}, true},  // seq-first input
                                         {{2, 3, 5, 24}, {24, 40}, false},
                                         {{2, 1, 3, 4}, {1, 5, 4, 6}, false},
                                         {{7}, {2, 7, 3}, false},  // vectors, as numpy
                                         {{2, 3, 7}, {7}, true},
                                         {{7}, {7}, false}}) {
    SCOPED_TRACE(::testing::Message() << ir::to_string(c.a) << " x " << ir::to_string(c.b));
    std::map<std::string, ir::Tensor> init;
    std::vector<std::string> graph_inputs = {"A"};
    if (c.constant_b)
      init["B"] = random_tensor(c.b, 2);
    else
      graph_inputs.push_back("B");
    auto g = make_graph({make_node("MatMul", {"A", "B"}, {"Y"})}, graph_inputs, {"Y"}, init);
    std::map<std::string, ir::Value> feeds = {{"A", random_tensor(c.a, 1)}};
    if (!c.constant_b) feeds["B"] = random_tensor(c.b, 2);
    expect_cpu_matches_ref(*g, feeds);
  }
}

// MaxViT writes attention with Einsum; lowered to MatMul it runs on CPU (all of it, the
// Transpose of K too) instead of REF's one-element-at-a-time sum. Lowering needs the concrete
// shapes the runtime compiles for.
TEST(CpuTransformerOps, EinsumAttentionAsMaxVitExportsIt) {
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE(batch);
    const ir::Dims qkv = {batch, 2, 3, 49, 5};
    auto g =
        make_graph({make_node("Einsum", {"Q", "K"}, {"s"},
                              {{"equation", std::string("B G H I D, B G H J D -> B G H I J")}}),
                    make_node("Add", {"s", "M"}, {"t"}),
                    make_node("Softmax", {"t"}, {"p"}, {{"axis", int64_t{-1}}}),
                    make_node("Einsum", {"p", "V"}, {"Y"},
                              {{"equation", std::string("B G H I J, B G H J D -> B G H I D")}})},
                   {"Q", "K", "V", "M"}, {"Y"});
    const std::map<std::string, ir::Value> feeds = {{"Q", spread(qkv, 2.0f, 1)},
                                                    {"K", spread(qkv, 2.0f, 2)},
                                                    {"V", random_tensor(qkv, 3)},
                                                    {"M", spread({3, 49, 49}, 3.0f, 4)}};
    expect_cpu_matches_ref(frozen_for(*g, feeds), feeds, {.rtol = 1e-5, .atol = 1e-6});
  }
}

TEST(CpuTransformerOps, EinsumProductsWithTransposedOperands) {
  struct Case {
    std::string equation;
    ir::Dims a, b;
  };
  for (const Case& c : std::vector<Case>{{"bki,bjk->bij", {3, 17, 5}, {3, 9, 17}},
                                         {"ki,kj->ij", {7, 1}, {7, 13}},
                                         {"abij,abjk->abik", {1, 2, 5, 3}, {1, 2, 3, 6}}}) {
    SCOPED_TRACE(c.equation);
    auto g = make_graph({make_node("Einsum", {"A", "B"}, {"Y"}, {{"equation", c.equation}})},
                        {"A", "B"}, {"Y"});
    const std::map<std::string, ir::Value> feeds = {{"A", random_tensor(c.a, 1)},
                                                    {"B", random_tensor(c.b, 2)}};
    expect_cpu_matches_ref(frozen_for(*g, feeds), feeds, {.rtol = 1e-5, .atol = 1e-6});
  }
}

// Swin exports its attention dropout (p = 0) in training mode; it is dropped, so the attention
// around it fuses and nothing stays on REF.
TEST(CpuTransformerOps, AttentionAroundATrainingDropoutOfRatioZero) {
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE(batch);
    auto g = make_graph({make_node("MatMul", {"Q", "K"}, {"s"}),
                         make_node("Softmax", {"s"}, {"p"}, {{"axis", int64_t{-1}}}),
                         make_node("Dropout", {"p", "ratio", "on"}, {"d", "mask"}),
                         make_node("MatMul", {"d", "V"}, {"Y"})},
                        {"Q", "K", "V"}, {"Y"},
                        {{"ratio", ir::Tensor::scalar(0.0f)}, {"on", ir::Tensor::scalar(true)}});
    expect_cpu_matches_ref(*g,
                           {{"Q", spread({batch, 3, 49, 7}, 2.0f, 1)},
                            {"K", spread({batch, 3, 7, 49}, 2.0f, 2)},
                            {"V", random_tensor({batch, 3, 49, 7}, 3)}},
                           {.rtol = 1e-5, .atol = 1e-6});
    const runtime::Plan plan(*g, {"CPU", "REF"});
    ASSERT_EQ(plan.assignments().size(), 1u);
    EXPECT_EQ(plan.assignments()[0].op_type, "Attention");
  }
}

}  // namespace
}  // namespace zenith
