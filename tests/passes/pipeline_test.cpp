#include "passes/pipeline.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"
#include "runtime/session.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

std::string describe(const PipelineReport& report, const std::string& pass) {
  for (const PassSummary& summary : report.passes)
    if (summary.pass == pass) return summary.describe();
  return "missing";
}

TEST(PassesPipeline, RunsEveryPassToAFixedPointAndReports) {
  // x -> Identity -> Conv -> BatchNormalization(var = v * 2) -> y, plus a dead Neg.
  ir::Tensor v = random_tensor({2}, 5);
  for (int64_t c = 0; c < 2; ++c) v.data<float>()[c] += 2.0f;
  auto graph =
      make_graph({make_node("Identity", {"x"}, {"a"}), make_node("Conv", {"a", "W"}, {"c"}),
                  make_node("Mul", {"v", "two"}, {"var"}),
                  make_node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"y"}),
                  make_node("Neg", {"x"}, {"dead"})},
                 {"x"}, {"y"},
                 {{"W", random_tensor({2, 3, 1, 1}, 1)},
                  {"v", v},
                  {"two", ir::Tensor::scalar(2.0f)},
                  {"scale", random_tensor({2}, 2)},
                  {"bias", random_tensor({2}, 3)},
                  {"mean", random_tensor({2}, 4)}});
  const ir::Graph before = *graph;
  const PipelineReport report = run_default_passes(*graph);
  EXPECT_EQ(describe(report, "identity_elimination"), "removed 1 Identity");
  EXPECT_EQ(describe(report, "constant_folding"), "folded 1 Mul");
  EXPECT_EQ(describe(report, "batch_norm_folding"), "folded 1 BatchNormalization into Conv");
  EXPECT_EQ(describe(report, "dead_node_elimination"), "removed 7 initializers, 1 nodes");
  EXPECT_EQ(report.rounds, 2);
  EXPECT_EQ(report.nodes_before, 5u);
  EXPECT_EQ(report.nodes_after, 1u);
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].inputs[0], "x");
  EXPECT_EQ(graph->initializers.size(), 2u);
  testing::expect_same_outputs(before, *graph, {{"x", random_tensor({1, 3, 4, 4})}},
                               testing::kFoldRtol, testing::kFoldAtol);
}

// The exported zoo (tests/models/export_zoo.py, `ctest -L models`) through the pipeline: same
// REF outputs on random data, and the structure each model should lose.
class PassesZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(PassesZoo, KeepsOutputsAndFoldsWhatItShould) {
  const std::filesystem::path path = std::filesystem::path(ZENITH_BINARY_DIR) / "zoo" / (GetParam() + ".onnx");
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is absent: run `ctest -L models`";
  const ir::Graph before = runtime::load_graph(path);
  ir::Graph after = before;
  const PipelineReport report = run_default_passes(after);
  std::cout << GetParam() << ":\n" << report.to_string();
  for (const char* op : {"BatchNormalization", "Identity", "Dropout"})
    if (testing::count_ops(after, op) != 0) {
      // Only a BatchNormalization that follows no Conv/Gemm (DenseNet's pre-activation ones) stays.
      EXPECT_STREQ(op, "BatchNormalization");
      EXPECT_EQ(GetParam(), "chexnet");
    }
  EXPECT_LE(after.nodes.size(), before.nodes.size());
  testing::expect_same_outputs(before, after, {{"input", random_tensor({1, 3, 224, 224})}}, 1e-4,
                               1e-5);
}

INSTANTIATE_TEST_SUITE_P(Passes, PassesZoo,
                         ::testing::Values("resnet50", "chexnet", "mobilenet_v2"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace zenith::passes
