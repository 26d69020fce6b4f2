// INT8 on the CPU device: QDQ graphs (passes/quantize.h) run as integer convolutions
// (zenith.QConv) that agree with REF running the QDQ graph as written.
#include "cpu/differential.h"
#include "devices/cpu/cpu_isa.h"
#include "passes/quantize.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::named;
using testing::random_tensor;

const std::vector<int64_t> kSame = {1, 1, 1, 1};

// Integer steps round activations to their scale; the CPU and REF may round a value on a .5
// boundary apart (x * (1 / s) against x / s), so outputs agree to a few quanta.
constexpr testing::CpuExpectation kInt8 = {.rtol = 1e-3, .atol = 1e-4, .scale = 2e-2};

// Without VNNI the weights run with 7 bits (cpu_isa.h), and two layers of 144 products each add
// up the lost halves of quanta: measured within 7% of the largest output there.
testing::CpuExpectation int8_expectation() {
  constexpr testing::CpuExpectation kSevenBitTwoLayers = {.rtol = 1e-3, .atol = 1e-4, .scale = 0.1};
  return cpu::int8_dot_product() ? kInt8 : kSevenBitTwoLayers;
}

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

// Every step ran on CPU with a kernel other than oneDNN's reference ones.
void expect_fast_cpu_steps(const std::vector<runtime::StepProfile>& steps) {
  for (const auto& s : steps) {
    EXPECT_EQ(s.device, "CPU") << s.node;
    EXPECT_NE(s.implementation.rfind("ref", 0), 0u) << s.node << ": " << s.implementation;
  }
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
    expect_fast_cpu_steps(steps);
  }
}

// A residual block's last convolution: integer in, f32 out, the skip (quantized already for the
// convolution that reads it: quantize_qdq routes the Add through its DequantizeLinear) added as
// integers and ReLU applied in the same step.
TEST(CpuInt8, ResidualSumAndReluAfterAnIntegerConv) {
  const ir::Graph g =
      quantized(make_graph({named(make_node("Conv", {"x", "w"}, {"c"}, {{"pads", kSame}}), "conv"),
                            make_node("Add", {"c", "x"}, {"s"}), make_node("Relu", {"s"}, {"y"})},
                           {"x"}, {"y"}, {{"w", random_tensor({16, 16, 3, 3}, 2)}}),
                {"conv"}, {{"x", {-1.0f, 1.0f}}});
  const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({2, 16, 6, 6}, 1)}};
  testing::expect_cpu_matches_ref(g, feeds, kInt8);
  const auto steps = profile(g, feeds);
  ASSERT_EQ(steps.size(), 2u);  // Q(x), QConv (with the Add) + Relu
  EXPECT_EQ(steps[1].op, "QConv+Relu");
}

// Two residual blocks: the first block's output is quantized in its last step (the residual
// summed as integers, then ReLU, then the Quantize post-op), so the second block's convolution
// and its skip read integers, and no f32 activation crosses between them.
TEST(CpuInt8, ResidualBlocksPassIntegers) {
  const ir::Graph g = quantized(
      make_graph({named(make_node("Conv", {"x", "w1"}, {"c1"}, {{"pads", kSame}}), "conv1"),
                  make_node("Add", {"c1", "x"}, {"s1"}), make_node("Relu", {"s1"}, {"y1"}),
                  named(make_node("Conv", {"y1", "w2", "b2"}, {"c2"}, {{"pads", kSame}}), "conv2"),
                  make_node("Add", {"c2", "y1"}, {"s2"}), make_node("Relu", {"s2"}, {"y"})},
                 {"x"}, {"y"},
                 {{"w1", random_tensor({16, 16, 3, 3}, 2)},
                  {"w2", random_tensor({16, 16, 3, 3}, 3)},
                  {"b2", random_tensor({16}, 4)}}),
      {"conv1", "conv2"}, {{"x", {-1.0f, 1.0f}}, {"y1", {0.0f, 8.0f}}});
  for (int64_t batch : {1, 2}) {
    const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({batch, 16, 6, 5}, 1)}};
    testing::expect_cpu_matches_ref(g, feeds, int8_expectation());
    const auto steps = profile(g, feeds);
    ASSERT_EQ(steps.size(), 3u);  // Q(x), QConv(+Add)+Relu+Q, QConv(+Add)+Relu
    EXPECT_EQ(steps[1].op, "QConv+Relu+QuantizeLinear");
    EXPECT_EQ(steps[2].op, "QConv+Relu");
    expect_fast_cpu_steps(steps);
  }
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

ir::Tensor scalar_u8(uint8_t v) { return ir::Tensor::scalar<uint8_t>(v); }

// An s8 tensor of `dims` with values in [-127, 127], seeded.
ir::Tensor random_s8(ir::Dims dims, uint64_t seed) {
  const ir::Tensor f = random_tensor(std::move(dims), seed);
  ir::Tensor t(ir::DType::I8, f.dims());
  for (int64_t i = 0; i < f.numel(); ++i)
    t.data<int8_t>()[i] = static_cast<int8_t>(std::lround(f.data<float>()[i] * 127));
  return t;
}

// The QDQ form ONNX Runtime's quantizer writes by default: u8 activations with zero points other
// than 0 (here 100 and 7), s8 weights with one scale. The padded border reads the zero point, a
// real 0, and the output's zero point rides the Quantize post-op.
TEST(CpuInt8, AsymmetricActivationsAsOnnxRuntimeWritesThem) {
  const ir::Graph g = *make_graph(
      {make_node("QuantizeLinear", {"x", "sx", "zx"}, {"xq"}),
       make_node("DequantizeLinear", {"xq", "sx", "zx"}, {"xd"}),
       make_node("DequantizeLinear", {"w", "sw"}, {"wd"}),
       named(make_node("Conv", {"xd", "wd", "b"}, {"c"}, {{"pads", kSame}}), "conv"),
       make_node("Relu", {"c"}, {"r"}), make_node("QuantizeLinear", {"r", "sy", "zy"}, {"yq"}),
       make_node("DequantizeLinear", {"yq", "sy", "zy"}, {"y"})},
      {"x"}, {"y"},
      {{"sx", ir::Tensor::scalar(0.01f)},
       {"zx", scalar_u8(100)},
       {"w", random_s8({16, 8, 3, 3}, 2)},
       {"sw", ir::Tensor::scalar(0.002f)},
       {"b", random_tensor({16}, 3)},
       {"sy", ir::Tensor::scalar(0.05f)},
       {"zy", scalar_u8(7)}});
  const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({2, 8, 7, 6}, 1)}};
  testing::expect_cpu_matches_ref(g, feeds, kInt8);
  const auto steps = profile(g, feeds);
  ASSERT_EQ(steps.size(), 3u);  // Q(x), QConv+Relu+Q, DQ
  EXPECT_EQ(steps[1].op, "QConv+Relu+QuantizeLinear");
  expect_fast_cpu_steps(steps);
}

// The QOperator format (QLinearConv, QLinearMatMul): REF runs the ops as written, the CPU their
// QDQ form (passes/qlinear_decomposition.h), the convolution and the matrix product each as one
// integer step (the product reading u8 with one zero point and writing u8 with another).
TEST(CpuInt8, QLinearOpsFromOtherToolsRunOnTheIntegerPath) {
  ir::Tensor bias(ir::DType::I32, {16});
  for (int64_t i = 0; i < 16; ++i) bias.data<int32_t>()[i] = static_cast<int32_t>(i * 97 - 700);
  ir::Tensor w_scales(ir::DType::F32, {16});
  for (int64_t i = 0; i < 16; ++i) w_scales.data<float>()[i] = 0.001f * static_cast<float>(i + 1);
  const ir::Graph g = *make_graph(
      {make_node("QuantizeLinear", {"x", "sx", "zx"}, {"xq"}),
       named(make_node("QLinearConv", {"xq", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"}, {"yq"},
                       {{"pads", kSame}, {"strides", std::vector<int64_t>{2, 2}}}),
             "qlinear_conv"),
       make_node("DequantizeLinear", {"yq", "sy", "zy"}, {"y"}),
       make_node("Reshape", {"yq", "shape"}, {"flat"}),
       make_node("QLinearMatMul", {"flat", "sy", "zy", "m", "sm", "zm", "sz", "zz"}, {"zq"}),
       make_node("DequantizeLinear", {"zq", "sz", "zz"}, {"z"})},
      {"x"}, {"y", "z"},
      {{"sx", ir::Tensor::scalar(0.01f)},
       {"zx", scalar_u8(128)},
       {"w", random_s8({16, 8, 3, 3}, 2)},
       {"sw", w_scales},
       {"zw", ir::Tensor(ir::DType::I8, {16})},
       {"sy", ir::Tensor::scalar(0.03f)},
       {"zy", scalar_u8(20)},
       {"b", bias},
       {"shape", ir::Tensor(ir::DType::I64, {2})},
       {"m", random_s8({256, 10}, 4)},
       {"sm", ir::Tensor::scalar(0.004f)},
       {"zm", ir::Tensor::scalar<int8_t>(0)},
       {"sz", ir::Tensor::scalar(0.1f)},
       {"zz", scalar_u8(50)}});
  ir::Graph graph = g;
  graph.initializers.at("shape").data<int64_t>()[0] = 2;
  graph.initializers.at("shape").data<int64_t>()[1] = 256;
  const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({2, 8, 8, 8}, 1)}};
  // Without VNNI the weights run with 7 bits (cpu_isa.h): each of the 72 products of an output
  // may lose half a quantum of these wide weights; measured 5 output quanta, 2% of the largest.
  constexpr testing::CpuExpectation kSevenBit = {.rtol = 1e-3, .atol = 1e-4, .scale = 4e-2};
  testing::expect_cpu_matches_ref(graph, feeds, cpu::int8_dot_product() ? kInt8 : kSevenBit);
  const auto steps = profile(graph, feeds);
  const auto qconv = std::find_if(steps.begin(), steps.end(),
                                  [](const auto& s) { return s.op.rfind("QConv", 0) == 0; });
  ASSERT_NE(qconv, steps.end()) << "the QLinearConv runs as zenith.QConv";
  EXPECT_EQ(qconv->op, "QConv+QuantizeLinear");
  EXPECT_NE(qconv->implementation.rfind("ref", 0), 0u) << qconv->implementation;
  const auto qmatmul = std::find_if(steps.begin(), steps.end(),
                                    [](const auto& s) { return s.op.rfind("QMatMul", 0) == 0; });
  ASSERT_NE(qmatmul, steps.end()) << "the QLinearMatMul runs as zenith.QMatMul";
  EXPECT_NE(qmatmul->implementation.rfind("ref", 0), 0u) << qmatmul->implementation;
}

// A BatchNormalization of `channels` channels from `x` to `y`, its parameters (prefixed by `y`)
// added to `params`.
ir::Node batch_norm(const std::string& x, const std::string& y, int64_t channels,
                    std::map<std::string, ir::Tensor>& params) {
  ir::Tensor var = random_tensor({channels}, 7);
  for (int64_t c = 0; c < channels; ++c)
    var.data<float>()[c] = 0.2f + std::abs(var.data<float>()[c]);
  params[y + "_gamma"] = random_tensor({channels}, 4);
  params[y + "_beta"] = random_tensor({channels}, 5);
  params[y + "_mean"] = random_tensor({channels}, 6);
  params[y + "_var"] = var;
  return make_node("BatchNormalization", {x, y + "_gamma", y + "_beta", y + "_mean", y + "_var"},
                   {y});
}

// The step that `steps` ran `op` in, on CPU with the normalize-quantize loop.
void expect_normalize_step(const std::vector<runtime::StepProfile>& steps, const std::string& op) {
  const auto it =
      std::find_if(steps.begin(), steps.end(), [&](const auto& s) { return s.op == op; });
  ASSERT_NE(it, steps.end()) << op;
  EXPECT_EQ(it->device, "CPU");
  // (After a reorder of an input that is not channels-last.)
  EXPECT_NE(it->implementation.find("zenith:normalize_quantize"), std::string::npos)
      << it->implementation;
}

// DenseNet's pre-activation: Concat -> BatchNormalization -> Relu -> QuantizeLinear as one step
// (ops/normalize_quantize.cpp) from f32 inputs in two layouts (an integer convolution's
// channels-last output, a plain graph input) to u8; from integers and f32 to f32; and
// BatchNormalization -> QuantizeLinear alone to s8 with a zero point and no ReLU.
TEST(CpuInt8, ConcatNormalizeReluQuantizeIsOneStep) {
  std::map<std::string, ir::Tensor> params = {{"w", random_tensor({16, 8, 3, 3}, 2)},
                                              {"s", ir::Tensor::scalar(0.01f)},
                                              {"zs8", ir::Tensor::scalar<int8_t>(-5)}};
  const ir::Node bn_cat = batch_norm("cat", "n", 24, params);
  const ir::Node bn_x = batch_norm("x", "m", 24, params);
  const ir::Graph dense = quantized(
      make_graph({named(make_node("Conv", {"x", "w"}, {"c"}, {{"pads", kSame}}), "conv"),
                  make_node("Concat", {"c", "x"}, {"cat"}, {{"axis", int64_t{1}}}), bn_cat,
                  make_node("Relu", {"n"}, {"r"}), make_node("QuantizeLinear", {"r", "s"}, {"q"}),
                  make_node("DequantizeLinear", {"q", "s"}, {"y"})},
                 {"x"}, {"y"}, params),
      {"conv"}, {{"x", {-1.0f, 1.0f}}});
  // A concat of integers (behind a DequantizeLinear, zero point -5) whose normalized output
  // stays f32.
  const ir::Graph f32_out =
      *make_graph({make_node("QuantizeLinear", {"x", "s", "zs8"}, {"xq"}),
                   make_node("DequantizeLinear", {"xq", "s", "zs8"}, {"xd"}),
                   make_node("Concat", {"xd", "x"}, {"cat"}, {{"axis", int64_t{1}}}), bn_cat,
                   make_node("Relu", {"n"}, {"y"})},
                  {"x"}, {"y"}, params);
  const ir::Graph alone = *make_graph({bn_x, make_node("QuantizeLinear", {"m", "s", "zs8"}, {"q"}),
                                       make_node("DequantizeLinear", {"q", "s", "zs8"}, {"y"})},
                                      {"x"}, {"y"}, params);
  for (int64_t batch : {1, 3}) {
    for (const auto& [g, channels, op] :
         {std::tuple(&dense, 8, "Concat+BatchNormalization+Relu+QuantizeLinear"),
          std::tuple(&f32_out, 12, "Concat+BatchNormalization+Relu"),
          std::tuple(&alone, 24, "BatchNormalization+QuantizeLinear")}) {
      const std::map<std::string, ir::Value> feeds = {
          {"x", random_tensor({batch, channels, 5, 4}, 1)}};
      testing::expect_cpu_matches_ref(*g, feeds, int8_expectation());
      expect_normalize_step(profile(*g, feeds), op);
    }
  }
}

// A small dense block and transition: quantize_qdq keeps both concats integer, so the
// convolutions write s8 (their QuantizeLinear fused), the concat steps read those integers and
// the graph input as f32, and no DequantizeLinear runs. The transition's concat writes u8 for
// its average pooling, which runs on the integers and rescales to its own output's scale.
TEST(CpuInt8, DenseBlockConcatsReadIntegers) {
  std::map<std::string, ir::Tensor> params = {{"w", random_tensor({16, 8, 3, 3}, 2)},
                                              {"w2", random_tensor({8, 24, 1, 1}, 8)},
                                              {"w3", random_tensor({4, 32, 1, 1}, 9)}};
  const ir::Node bn1 = batch_norm("cat1", "n1", 24, params);
  const ir::Node bn2 = batch_norm("cat2", "n2", 32, params);
  ir::Graph g = *make_graph(
      {named(make_node("Conv", {"x", "w"}, {"c"}, {{"pads", kSame}}), "conv"),
       make_node("Concat", {"x", "c"}, {"cat1"}, {{"axis", int64_t{1}}}), bn1,
       make_node("Relu", {"n1"}, {"r1"}), named(make_node("Conv", {"r1", "w2"}, {"d"}), "conv2"),
       make_node("Concat", {"x", "c", "d"}, {"cat2"}, {{"axis", int64_t{1}}}), bn2,
       make_node("Relu", {"n2"}, {"r2"}),
       make_node(
           "AveragePool", {"r2"}, {"p"},
           {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}}),
       named(make_node("Conv", {"p", "w3"}, {"y"}), "conv3")},
      {"x"}, {"y"}, params);
  EXPECT_EQ(
      passes::quantize_qdq(g, {"conv", "conv2", "conv3"},
                           {{"x", {-1.0f, 1.0f}},
                            {"c", {-8.0f, 8.0f}},
                            {"r1", {0.0f, 6.0f}},
                            {"d", {-16.0f, 16.0f}},
                            {"r2", {0.0f, 6.0f}},
                            {"p", {0.0f, 6.0f}}}),
      (passes::ChangeCounts{
          {"Conv", 3}, {"QuantizeLinear", 6}, {"integer Concat", 2}, {"integer AveragePool", 1}}));
  for (int64_t batch : {1, 3}) {
    const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({batch, 8, 6, 4}, 1)}};
    testing::expect_cpu_matches_ref(g, feeds, int8_expectation());
    const auto steps = profile(g, feeds);
    EXPECT_EQ(std::count_if(steps.begin(), steps.end(),
                            [](const auto& s) {
                              return s.op == "Concat+BatchNormalization+Relu+QuantizeLinear";
                            }),
              2);
    expect_normalize_step(steps, "Concat+BatchNormalization+Relu+QuantizeLinear");
    EXPECT_TRUE(std::any_of(steps.begin(), steps.end(),
                            [](const auto& s) { return s.op == "AveragePool+QuantizeLinear"; }));
    expect_fast_cpu_steps(steps);
    for (const auto& s : steps) EXPECT_NE(s.op, "DequantizeLinear") << s.node;
    EXPECT_EQ(std::count_if(steps.begin(), steps.end(),
                            [](const auto& s) { return s.op == "QConv+QuantizeLinear"; }),
              2);
  }
}

// Linear layers: PyTorch's Linear on a 3-D input (MatMul + bias Add), ReLU, another MatMul,
// and a Gemm with transposed weights, all quantized: integer matmuls, the first writing u8
// for the second (its QuantizeLinear a post-op), agreeing with REF running the QDQ graph.
TEST(CpuInt8, LinearLayersRunAsIntegers) {
  const ir::Graph mlp = quantized(
      make_graph({named(make_node("MatMul", {"x", "w1"}, {"m1"}), "fc1"),
                  make_node("Add", {"m1", "b1"}, {"a1"}), make_node("Relu", {"a1"}, {"r"}),
                  named(make_node("MatMul", {"r", "w2"}, {"y"}), "fc2")},
                 {"x"}, {"y"},
                 {{"w1", random_tensor({24, 40}, 2)},
                  {"b1", random_tensor({40}, 3)},
                  {"w2", random_tensor({40, 16}, 4)}}),
      {"fc1", "fc2"}, {{"x", {-1.0f, 1.0f}}, {"r", {0.0f, 6.0f}}});
  const ir::Graph gemm = quantized(
      make_graph({named(make_node("Gemm", {"x", "w", "c"}, {"y"}, {{"transB", int64_t{1}}}), "fc")},
                 {"x"}, {"y"}, {{"w", random_tensor({16, 24}, 2)}, {"c", random_tensor({16}, 3)}}),
      {"fc"}, {{"x", {-1.0f, 1.0f}}});
  for (const auto& [g, x, ops] :
       {std::tuple(
            &mlp, ir::Dims{2, 7, 24},
            std::vector<std::string>{"QuantizeLinear", "QMatMul+Relu+QuantizeLinear", "QMatMul"}),
        std::tuple(&gemm, ir::Dims{5, 24},
                   std::vector<std::string>{"QuantizeLinear", "QMatMul"})}) {
    const std::map<std::string, ir::Value> feeds = {{"x", random_tensor(x, 1)}};
    testing::expect_cpu_matches_ref(*g, feeds, int8_expectation());
    const auto steps = profile(*g, feeds);
    ASSERT_EQ(steps.size(), ops.size());
    for (size_t i = 0; i < ops.size(); ++i) EXPECT_EQ(steps[i].op, ops[i]);
    expect_fast_cpu_steps(steps);
  }
}

// ResNet's stem: Conv -> Relu -> MaxPool -> Conv. The pool reads the first convolution's u8
// output (quantize_qdq quantizes its input at the pool output's scale) and writes u8 for the
// second: no f32 between them.
TEST(CpuInt8, MaxPoolBetweenConvolutionsRunsOnIntegers) {
  ir::Graph g = *make_graph(
      {named(make_node("Conv", {"x", "w1"}, {"c"}, {{"pads", kSame}}), "conv1"),
       make_node("Relu", {"c"}, {"r"}),
       make_node("MaxPool", {"r"}, {"p"},
                 {{"kernel_shape", std::vector<int64_t>{3, 3}},
                  {"strides", std::vector<int64_t>{2, 2}},
                  {"pads", kSame}}),
       named(make_node("Conv", {"p", "w2"}, {"y"}), "conv2")},
      {"x"}, {"y"},
      {{"w1", random_tensor({16, 8, 3, 3}, 2)}, {"w2", random_tensor({8, 16, 1, 1}, 3)}});
  EXPECT_EQ(passes::quantize_qdq(g, {"conv1", "conv2"}, {{"x", {-1.0f, 1.0f}}, {"p", {0.0f, 6.0f}}})
                .at("integer MaxPool"),
            1u);
  for (int64_t batch : {1, 2}) {
    const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({batch, 8, 9, 7}, 1)}};
    testing::expect_cpu_matches_ref(g, feeds, int8_expectation());
    const auto steps = profile(g, feeds);
    ASSERT_EQ(steps.size(), 4u);  // Q(x), QConv+Relu+Q, MaxPool+Q, QConv
    EXPECT_EQ(steps[1].op, "QConv+Relu+QuantizeLinear");
    EXPECT_EQ(steps[2].op, "MaxPool+QuantizeLinear");
    expect_fast_cpu_steps(steps);
  }
}

}  // namespace
}  // namespace zenith
