// No CPU step runs one of oneDNN's reference kernels (implementation names starting with "ref"):
// they are correct but orders of magnitude slower (a ResNeXt-50 grouped convolution forced into
// 16-channel blocks took 300 ms on ref:any instead of about 1 ms). The kernels are read from the
// per-step profile. ctest runs this suite a second time with ONEDNN_MAX_CPU_ISA=AVX2
// (tests/cpu/cpu.cmake), where the channel block is 8, and the zoo suite under the `zoo` fixture.
#include <filesystem>

#include "cpu/differential.h"
#include "runtime/session.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using Ints = std::vector<int64_t>;

// oneDNN 2.6 names its RNN driver "ref:any" whatever cell kernels it runs; RNN steps are not
// held to this rule.
bool exempt(const std::string& op) { return op == "LSTM" || op == "GRU"; }

// True for oneDNN's reference implementations: "ref:any", "ref_int8:any", and the per-primitive
// ones named like "bnorm_ref:any" or "lrn_ref:any".
bool is_reference(const std::string& kernel) {
  const std::string family = kernel.substr(0, kernel.find(':'));
  return family == "ref" || family.rfind("ref_", 0) == 0 ||
         (family.size() > 4 && family.compare(family.size() - 4, 4, "_ref") == 0);
}

// The kernels of `kernels` ("a + b + c") that are oneDNN reference kernels.
std::vector<std::string> reference_kernels(const std::string& kernels) {
  std::vector<std::string> found;
  size_t start = 0;
  while (start <= kernels.size()) {
    const size_t end = std::min(kernels.find(" + ", start), kernels.size());
    const std::string name = kernels.substr(start, end - start);
    if (is_reference(name)) found.push_back(name);
    start = end + 3;
  }
  return found;
}

TEST(NoRefKernelsRule, KnowsOneDnnsReferenceNames) {
  for (const char* ref :
       {"ref:any", "ref_int8:any", "bnorm_ref:any", "lnorm_ref:any", "lrn_ref:any"})
    EXPECT_TRUE(is_reference(ref)) << ref;
  for (const char* fast :
       {"jit:avx512_core", "ncsp_bnorm:any", "simple_nchw:any", "brg:avx512_core",
        "jit_wino_4x3:avx512_core", "zenith:scale_shift_strided_blocked"})
    EXPECT_FALSE(is_reference(fast)) << fast;
}

// Runs `graph` on CPU with a profile and expects every node on CPU, no fallback to REF, and no
// oneDNN reference kernel in any step.
void expect_no_reference_kernels(const ir::Graph& graph,
                                 const std::map<std::string, ir::Value>& feeds) {
  const runtime::Plan plan(graph, {"CPU", "REF"});
  for (const hetero::Assignment& a : plan.assignments())
    EXPECT_EQ(a.device, "CPU") << a.op_type << " '" << a.node << "': " << a.reason;
  std::vector<runtime::StepProfile> steps;
  plan.run(feeds, 0, &steps);
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
  for (const runtime::StepProfile& s : steps) {
    const std::string main_op = s.op.substr(0, s.op.find('+'));
    if (s.device != "CPU" || exempt(main_op)) continue;
    EXPECT_EQ(reference_kernels(s.implementation), std::vector<std::string>{})
        << s.op << " '" << s.node << "' (" << s.layout << "): " << s.implementation;
  }
}

struct SmallModel {
  std::string name;
  std::shared_ptr<ir::Graph> graph;
  ir::Dims input;  // batch dim first; run at batch 1 and 3
};

// Conv (+ Relu) with constant W and B.
SmallModel conv_model(std::string name, ir::Dims x, ir::Dims w,
                      std::map<std::string, ir::Attribute> attrs) {
  auto g = make_graph({make_node("Conv", {"X", "W", "B"}, {"c"}, std::move(attrs)),
                       make_node("Relu", {"c"}, {"Y"})},
                      {"X"}, {"Y"}, {{"W", random_tensor(w, 2)}, {"B", random_tensor({w[0]}, 3)}});
  return {std::move(name), g, x};
}

SmallModel pool_model(std::string name, const std::string& op, ir::Dims x, Ints kernel,
                      Ints strides) {
  auto g =
      make_graph({make_node(op, {"X"}, {"Y"}, {{"kernel_shape", kernel}, {"strides", strides}})},
                 {"X"}, {"Y"});
  return {std::move(name), g, x};
}

std::vector<SmallModel> small_models() {
  const Ints same2 = {1, 1, 1, 1};
  std::vector<SmallModel> models = {
      // ResNeXt-50's grouped 3x3: 32 groups of 4 channels.
      conv_model("resnext_groups32x4", {1, 128, 14, 14}, {128, 4, 3, 3},
                 {{"group", int64_t{32}}, {"pads", same2}}),
      conv_model("groups3x5", {1, 15, 9, 11}, {15, 5, 3, 3},
                 {{"group", int64_t{3}}, {"pads", same2}}),
      conv_model("depthwise24", {1, 24, 10, 10}, {24, 1, 3, 3},
                 {{"group", int64_t{24}}, {"pads", same2}}),
      conv_model("depthwise40_stride2", {1, 40, 11, 11}, {40, 1, 3, 3},
                 {{"group", int64_t{40}}, {"pads", same2}, {"strides", Ints{2, 2}}}),
      conv_model("depthwise32", {1, 32, 10, 10}, {32, 1, 3, 3},
                 {{"group", int64_t{32}}, {"pads", same2}}),
      conv_model("depthwise12_multiplier2", {1, 12, 7, 7}, {24, 1, 3, 3}, {{"group", int64_t{12}}}),
      conv_model("blocked3x3", {1, 32, 9, 9}, {48, 32, 3, 3}, {{"pads", same2}}),
      conv_model("first_layer", {1, 3, 17, 17}, {16, 3, 7, 7}, {{"strides", Ints{2, 2}}}),
      conv_model("conv1d", {1, 8, 17}, {16, 8, 3}, {{"pads", Ints{1, 1}}}),
      conv_model("conv1d_odd", {1, 5, 13}, {7, 5, 3}, {}),
      conv_model("conv3d", {1, 4, 5, 6, 7}, {8, 4, 3, 3, 3}, {{"pads", Ints{1, 1, 1, 1, 1, 1}}}),
      conv_model("conv3d_blocked", {1, 16, 4, 5, 6}, {16, 16, 3, 3, 3}, {}),
      pool_model("maxpool1d", "MaxPool", {1, 6, 17}, {3}, {2}),
      pool_model("avgpool1d", "AveragePool", {1, 6, 17}, {3}, {2}),
      pool_model("maxpool3d", "MaxPool", {1, 5, 6, 7, 8}, {2, 2, 2}, {2, 2, 2}),
      pool_model("avgpool3d", "AveragePool", {1, 5, 6, 7, 8}, {3, 3, 3}, {1, 2, 2}),
  };
  // AlexNet's first layer and pool: 3 channels, 11x11, stride 4 (on AVX2 only oneDNN's
  // reference kernel wrote it into channel blocks).
  auto alexnet = make_graph(
      {make_node("Conv", {"X", "W"}, {"c"}, {{"strides", Ints{4, 4}}, {"pads", Ints{2, 2, 2, 2}}}),
       make_node("Relu", {"c"}, {"r"}),
       make_node("MaxPool", {"r"}, {"Y"}, {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}})},
      {"X"}, {"Y"}, {{"W", random_tensor({16, 3, 11, 11}, 2)}});
  models.push_back({"alexnet_first_layer", alexnet, {1, 3, 39, 39}});
  auto instance = make_graph({make_node("InstanceNormalization", {"X", "s", "b"}, {"Y"})}, {"X"},
                             {"Y"}, {{"s", random_tensor({6}, 2)}, {"b", random_tensor({6}, 3)}});
  models.push_back({"instance_norm1d", instance, {1, 6, 17}});
  models.push_back({"instance_norm3d", instance, {1, 6, 3, 4, 5}});
  // The other families: batch norm (+ Relu), binary, global pooling, Gemm, softmax, eltwise.
  auto head =
      make_graph({make_node("BatchNormalization", {"X", "s", "b", "m", "v"}, {"n"}),
                  make_node("Relu", {"n"}, {"r"}), make_node("Mul", {"r", "X"}, {"p"}),
                  make_node("GlobalAveragePool", {"p"}, {"g"}), make_node("Flatten", {"g"}, {"f"}),
                  make_node("Gemm", {"f", "Wfc", "Bfc"}, {"z"}, {{"transB", int64_t{1}}}),
                  make_node("Softmax", {"z"}, {"sm"}), make_node("Sigmoid", {"sm"}, {"Y"})},
                 {"X"}, {"Y"},
                 {{"s", random_tensor({12}, 4)},
                  {"b", random_tensor({12}, 5)},
                  {"m", random_tensor({12}, 6)},
                  {"v", ir::Tensor(ir::DType::F32, {12})},
                  {"Wfc", random_tensor({10, 12}, 7)},
                  {"Bfc", random_tensor({10}, 8)}});
  std::fill_n(head->initializers.at("v").data<float>(), 12, 0.5f);
  models.push_back({"norm_pool_gemm_softmax", head, {1, 12, 7, 9}});
  // Binary steps that broadcast: the excitation of squeeze-and-excitation blocks after a
  // blocked Conv, per-channel divisors and addends, a [C,H,W] addend and a last-axis scale of
  // [N,S,D].
  const auto binary_after_conv = [](const std::string& name, ir::Node binary, ir::Tensor b) {
    auto g = make_graph({make_node("Conv", {"X", "W"}, {"c"}), std::move(binary)}, {"X"}, {"Y"},
                        {{"W", random_tensor({24, 24, 1, 1}, 2)}, {"B", std::move(b)}});
    return SmallModel{name, g, {1, 24, 6, 5}};
  };
  auto excite =
      make_graph({make_node("Conv", {"X", "W"}, {"c"}),
                  make_node("GlobalAveragePool", {"c"}, {"g"}), make_node("Sigmoid", {"g"}, {"e"}),
                  make_node("Mul", {"c", "e"}, {"m"}), make_node("Relu", {"m"}, {"Y"})},
                 {"X"}, {"Y"}, {{"W", random_tensor({40, 40, 1, 1}, 2)}});
  models.push_back({"excitation_mul_relu", excite, {1, 40, 6, 5}});
  models.push_back(binary_after_conv("div_channel_divisor", make_node("Div", {"c", "B"}, {"Y"}),
                                     random_tensor({24, 1, 1}, 3)));
  models.push_back(binary_after_conv("swapped_add_channel", make_node("Add", {"B", "c"}, {"Y"}),
                                     random_tensor({1, 24, 1, 1}, 3)));
  auto image_addend = make_graph(
      {make_node("Conv", {"X", "W"}, {"c"}), make_node("Add", {"c", "B"}, {"a"}),
       make_node("Mul", {"a", "c"}, {"Y"})},
      {"X"}, {"Y"}, {{"W", random_tensor({32, 32, 1, 1}, 2)}, {"B", random_tensor({32, 6, 5}, 3)}});
  models.push_back({"add_image_addend", image_addend, {1, 32, 6, 5}});
  auto last_axis = make_graph({make_node("Mul", {"X", "D"}, {"Y"})}, {"X"}, {"Y"},
                              {{"D", random_tensor({16}, 2)}});
  models.push_back({"mul_last_axis", last_axis, {1, 7, 16}});
  // EfficientNetV2's fused block: a convolution, its activation, then the residual Add (an
  // eltwise before the sum: on AVX2 oneDNN 2.6 has only its reference kernel for the three as one
  // primitive, 243 ms a layer). Relu and SiLU (zenith.Swish, as swish_fusion leaves it).
  for (const bool silu : {false, true}) {
    ir::Node activation = make_node(silu ? "Swish" : "Relu", {"c"}, {"a"});
    if (silu) activation.domain = "zenith";
    auto fused_block = make_graph(
        {make_node("Conv", {"X", "W", "B"}, {"c"}, {{"pads", same2}}), activation,
         make_node("Add", {"a", "X"}, {"Y"})},
        {"X"}, {"Y"}, {{"W", random_tensor({24, 24, 3, 3}, 2)}, {"B", random_tensor({24}, 3)}});
    models.push_back(
        {silu ? "conv_silu_residual" : "conv_relu_residual", fused_block, {1, 24, 12, 12}});
  }
  // Swin's shifted-window mask: [1, windows, 1, N, N] onto [batch, windows, heads, N, N].
  auto window_mask = make_graph({make_node("Add", {"X", "M"}, {"Y"})}, {"X"}, {"Y"},
                                {{"M", random_tensor({1, 4, 1, 7, 7}, 2)}});
  models.push_back({"add_window_mask", window_mask, {1, 4, 3, 7, 7}});
  return models;
}

// gtest (and so ctest) names a case by this, not by its bytes.
void PrintTo(const SmallModel& model, std::ostream* os) { *os << model.name; }

class NoRefKernels : public ::testing::TestWithParam<SmallModel> {};

TEST_P(NoRefKernels, AtBatchOneAndThree) {
  const SmallModel& m = GetParam();
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    ir::Dims x = m.input;
    x[0] = batch;
    expect_no_reference_kernels(*m.graph, {{"X", random_tensor(x, 1)}});
  }
}

INSTANTIATE_TEST_SUITE_P(Cpu, NoRefKernels, ::testing::ValuesIn(small_models()),
                         [](const auto& info) { return info.param.name; });

// The zoo, exported by `ctest -L models` (fixture `zoo`). Not discovered with the unit tests
// (CMakeLists.txt filters it out): ctest runs it only after the fixture, so a missing model is
// a failure here, never a skip.
class NoRefKernelsZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(NoRefKernelsZoo, AtBatchOneAndTwo) {
  const auto path = std::filesystem::path(ZENITH_BINARY_DIR) / "zoo" / (GetParam() + ".onnx");
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is absent: `ctest -L models` exports it";
  const ir::Graph graph = runtime::load_graph(path);
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    expect_no_reference_kernels(graph,
                                {{graph.inputs[0].name, random_tensor({batch, 3, 224, 224}, 1)}});
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, NoRefKernelsZoo,
                         ::testing::Values("resnet50", "chexnet", "mobilenet_v2"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace zenith
