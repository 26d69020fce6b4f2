// INT8 on the zoo's random-weight models: every convolution on the CPU's integer kernels, and
// the outputs within a stated distance of f32's.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "devices/cpu/cpu_isa.h"
#include "passes/freeze_input_shapes.h"
#include "passes/pipeline.h"
#include "runtime/plan.h"
#include "runtime/session.h"
#include "tools/int8_conversion.h"
#include "tools/npy.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

// Random weights amplify rounding through depth, and these are calibrated on random inputs
// (minmax): MobileNetV2's cosine similarity to f32 was 0.987 at 300 samples. Without a 32-bit
// integer dot product (AVX2, AVX-512 without VNNI) the weights are 7-bit
// (devices/cpu/ops/integer_weights.cpp): 0.976 on an AVX2 host.
double min_cosine() { return cpu::int8_dot_product() ? 0.98 : 0.97; }

class Int8Zoo : public ::testing::TestWithParam<std::string> {};

TEST_P(Int8Zoo, ConvolutionsRunAsIntegersCloseToF32) {
  const fs::path zoo = fs::path(ZENITH_BINARY_DIR) / "zoo";
  const fs::path model = zoo / (GetParam() + ".onnx");
  ASSERT_TRUE(fs::exists(model)) << model << " is absent: run `ctest -L models`";
  const ir::Tensor input = read_npy(zoo / (GetParam() + "_input.npy"));
  ir::Graph graph = runtime::load_graph(model);
  passes::freeze_input_shapes(graph, {{graph.inputs[0].name, input.dims()}});
  passes::run_default_passes(graph);
  Int8Options options;
  options.calib_count = 8;
  const Int8Report report = quantize_int8(graph, options);
  ASSERT_EQ(report.cosines.size(), 1u);
  std::cout << GetParam() << ": INT8 output cosine similarity to f32 " << report.cosines[0] << " ("
            << report.quantized.at("Conv") << " Conv quantized)\n";
  EXPECT_GE(report.cosines[0], min_cosine());

  // On CPU: each quantized Conv is one integer step (zenith.QConv), none falls back to REF.
  const runtime::Plan plan(graph, {"CPU", "REF"});
  std::vector<runtime::StepProfile> steps;
  plan.run({{graph.inputs[0].name, input}}, 0, &steps);
  size_t qconv = 0;
  for (const runtime::StepProfile& s : steps) {
    if (s.op.rfind("QConv", 0) != 0) continue;
    ++qconv;
    EXPECT_EQ(s.device, "CPU") << s.node;
    EXPECT_NE(s.implementation.rfind("ref", 0), 0u) << s.node << ": " << s.implementation;
  }
  EXPECT_EQ(qconv, report.quantized.at("Conv"));
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Int8Models, Int8Zoo,
                         ::testing::Values("resnet50", "mobilenet_v2", "chexnet"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace zenith::tools
