// BF16 on the CPU device: convolutions and products with constant weights read BF16 inputs and
// weights and accumulate in f32 where the CPU has BF16 instructions, and stay f32 where it has
// none (ctest runs this suite again held to AVX2, tests/cpu/cpu.cmake). `auto` keeps BF16 only
// where the outputs stay within kAutoBf16Tolerance of f32's.
#include <gtest/gtest.h>

#include <cmath>

#include "devices/cpu/cpu_isa.h"
#include "reference/graph_builder.h"
#include "runtime/plan.h"
#include "runtime/session.h"
#include "testing/outputs.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// What a BF16 step is asked to compute in on this host.
std::string expected_precision() { return cpu::bf16_dot_product() ? "bf16" : "f32"; }

// Rounding inputs and weights to BF16 (8 significant bits, a relative error up to 2^-9 each)
// with f32 sums errs by about 2^-9 relative over one layer; these layers measured 1.9e-3-2.2e-3.
constexpr double kLayerTolerance = 1e-2;
// f32 kernels agree with REF to about 1e-6: an error above this shows that BF16 was used.
constexpr double kNarrowed = 1e-4;

// Runs `graph` on CPU in BF16 and on REF; checks the error and the precision each of `nodes`
// got.
void expect_bf16_matches_ref(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds,
                             const std::set<std::string>& op_types) {
  const std::vector<ir::Value> expected = ref::Interpreter().run(graph, feeds);
  runtime::Plan plan(graph, {"CPU"}, 0, ir::DType::BF16);
  plan.warm_up(feeds);
  const std::vector<ir::Value> actual = plan.run(feeds, 0);
  const double error = testing::relative_l2(actual[0].tensor(), expected[0].tensor());
  EXPECT_LE(error, kLayerTolerance);
  if (cpu::bf16_dot_product())
    EXPECT_GT(error, kNarrowed) << "no BF16 rounding: the step ran in f32";
  else
    EXPECT_LT(error, kNarrowed) << "no BF16 instructions here, so f32";
  for (const hetero::Assignment& a : plan.assignments()) {
    EXPECT_EQ(a.device, "CPU") << a.node << ": " << a.reason;
    if (op_types.count(a.op_type) && a.fused_into.empty()) {
      EXPECT_EQ(a.precision, expected_precision()) << a.node;
    }
  }
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
}

struct ConvCase {
  const char* name;
  ir::Dims x, w;
  int64_t group;
  std::vector<int64_t> pads, strides;
};

class CpuBf16Conv : public ::testing::TestWithParam<ConvCase> {};

TEST_P(CpuBf16Conv, AgreesWithRefWithinBf16Rounding) {
  const ConvCase& c = GetParam();
  const ir::Graph g =
      *make_graph({make_node("Conv", {"x", "w", "b"}, {"c"},
                             {{"group", c.group}, {"pads", c.pads}, {"strides", c.strides}}),
                   make_node("Relu", {"c"}, {"y"})},
                  {"x"}, {"y"}, {{"w", random_tensor(c.w, 2)}, {"b", random_tensor({c.w[0]}, 3)}});
  expect_bf16_matches_ref(g, {{"x", random_tensor(c.x, 1)}}, {"Conv"});
}

INSTANTIATE_TEST_SUITE_P(
    CpuBf16Layers, CpuBf16Conv,
    ::testing::Values(
        ConvCase{"conv3x3", {1, 32, 14, 14}, {64, 32, 3, 3}, 1, {1, 1, 1, 1}, {1, 1}},
        ConvCase{"strided", {2, 16, 15, 15}, {32, 16, 3, 3}, 1, {1, 1, 1, 1}, {2, 2}},
        ConvCase{"pointwise", {1, 64, 7, 7}, {128, 64, 1, 1}, 1, {0, 0, 0, 0}, {1, 1}},
        ConvCase{"first_layer", {1, 3, 32, 32}, {16, 3, 7, 7}, 1, {3, 3, 3, 3}, {2, 2}},
        ConvCase{"depthwise", {1, 32, 14, 14}, {32, 1, 3, 3}, 32, {1, 1, 1, 1}, {1, 1}},
        ConvCase{"groups_of_4", {1, 64, 8, 8}, {64, 4, 3, 3}, 16, {1, 1, 1, 1}, {1, 1}},
        ConvCase{"conv3d", {1, 8, 6, 6, 6}, {16, 8, 3, 3, 3}, 1, {1, 1, 1, 1, 1, 1}, {1, 1, 1}}),
    [](const ::testing::TestParamInfo<ConvCase>& info) { return info.param.name; });

// A residual block's second convolution: the Add becomes a sum post-op onto the f32 output.
TEST(CpuBf16, ResidualAddIsSummedOntoTheF32Output) {
  const ir::Graph g = *make_graph(
      {make_node("Conv", {"x", "w"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
       make_node("Add", {"c", "x"}, {"s"}), make_node("Relu", {"s"}, {"y"})},
      {"x"}, {"y"}, {{"w", random_tensor({32, 32, 3, 3}, 2)}});
  expect_bf16_matches_ref(g, {{"x", random_tensor({2, 32, 10, 10}, 1)}}, {"Conv"});
}

// A Linear layer (constant weights) in BF16: A is converted per run, B once.
TEST(CpuBf16, LinearLayersComputeInBf16) {
  const ir::Graph gemm =
      *make_graph({make_node("Gemm", {"x", "w", "b"}, {"y"}, {{"transB", int64_t{1}}})}, {"x"},
                  {"y"}, {{"w", random_tensor({96, 256}, 2)}, {"b", random_tensor({96}, 3)}});
  expect_bf16_matches_ref(gemm, {{"x", random_tensor({4, 256}, 1)}}, {"Gemm"});
  const ir::Graph matmul = *make_graph(
      {make_node("MatMul", {"x", "w"}, {"m"}), make_node("Add", {"m", "b"}, {"y"})}, {"x"}, {"y"},
      {{"w", random_tensor({128, 64}, 2)}, {"b", random_tensor({64}, 3)}});
  expect_bf16_matches_ref(matmul, {{"x", random_tensor({2, 5, 128}, 1)}}, {"MatMul"});
}

// A product of two activations (attention's Q K^T) stays f32: both would need converting per
// run, for products that are small.
TEST(CpuBf16, ProductsOfTwoActivationsStayF32) {
  const ir::Graph g = *make_graph({make_node("MatMul", {"a", "b"}, {"y"})}, {"a", "b"}, {"y"});
  runtime::Plan plan(g, {"CPU"}, 0, ir::DType::BF16);
  const std::map<std::string, ir::Value> feeds = {{"a", random_tensor({2, 8, 16}, 1)},
                                                  {"b", random_tensor({2, 16, 8}, 2)}};
  plan.warm_up(feeds);
  EXPECT_EQ(plan.assignments()[0].precision, "f32");
  testing::expect_outputs_near(plan.run(feeds, 0), ref::Interpreter().run(g, feeds), 1e-4, 1e-5);
}

TEST(CpuBf16, F32IsTheDefault) {
  const ir::Graph g = *make_graph({make_node("Conv", {"x", "w"}, {"y"})}, {"x"}, {"y"},
                                  {{"w", random_tensor({16, 16, 1, 1}, 2)}});
  runtime::Plan plan(g, {"CPU"});
  const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({1, 16, 4, 4}, 1)}};
  plan.warm_up(feeds);
  EXPECT_EQ(plan.assignments()[0].precision, "f32");
  EXPECT_FALSE(plan.computes_in(ir::DType::BF16));
}

// A 1x1 convolution over two input channels holding the same values, with weights 1 + 2^-10 and
// -1: in f32 the output is x * 2^-10; BF16 rounds the first weight to 1, and the output to 0.
// With weights 1.5 and -1 the output is x / 2 either way.
ir::Graph cancelling_conv(float first_weight) {
  ir::Tensor w(ir::DType::F32, {1, 2, 1, 1});
  w.data<float>()[0] = first_weight;
  w.data<float>()[1] = -1.0f;
  auto g = make_graph({make_node("Concat", {"x", "x"}, {"xx"}, {{"axis", int64_t{1}}}),
                       make_node("Conv", {"xx", "w"}, {"y"})},
                      {"x"}, {"y"}, {{"w", w}});
  g->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::to_shape({1, 1, 8, 8}));
  return *g;
}

std::string conv_precision(const runtime::Session& session) {
  for (const hetero::Assignment& a : session.assignments())
    if (a.op_type == "Conv") return a.precision;
  return "no Conv";
}

TEST(CpuBf16, AutoKeepsBf16OnlyWhereTheOutputsStayWithinTolerance) {
  const runtime::Session exact(cancelling_conv(1.5f), "CPU", 0, InferencePrecision::automatic);
  EXPECT_EQ(conv_precision(exact), expected_precision());
  const runtime::Session cancelling(cancelling_conv(1.0f + 1.0f / 1024), "CPU", 0,
                                    InferencePrecision::automatic);
  EXPECT_EQ(conv_precision(cancelling), "f32") << "BF16 would make every output 0";
  // Asked for explicitly, BF16 is used however far the outputs move.
  const runtime::Session forced(cancelling_conv(1.0f + 1.0f / 1024), "CPU", 0,
                                InferencePrecision::bf16);
  EXPECT_EQ(conv_precision(forced), expected_precision());
}

TEST(CpuBf16, PrecisionNamesParse) {
  EXPECT_EQ(parse_inference_precision("fp32"), InferencePrecision::f32);
  EXPECT_EQ(parse_inference_precision("bf16"), InferencePrecision::bf16);
  EXPECT_EQ(parse_inference_precision("auto"), InferencePrecision::automatic);
  EXPECT_STREQ(to_string(InferencePrecision::automatic), "auto");
  try {
    parse_inference_precision("fp16");
    ADD_FAILURE() << "fp16 parsed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'fp16'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zenith
