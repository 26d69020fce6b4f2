// quantize_int8: the accuracy-aware fallback returns nodes to f32 until the bound holds.
#include "tools/int8_conversion.h"

#include <gtest/gtest.h>

#include <cmath>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"
#include "testing/expect_error.h"
#include "testing/outputs.h"
#include "tools/validation_metric.h"

namespace zenith::tools {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// x [1, 8, 6, 6] -> Conv 3x3 -> Relu -> Conv 3x3 -> y, batch fixed.
ir::Graph two_convs() {
  const std::vector<int64_t> same = {1, 1, 1, 1};
  auto g = make_graph(
      {make_node("Conv", {"x", "w1"}, {"c"}, {{"pads", same}}), make_node("Relu", {"c"}, {"r"}),
       make_node("Conv", {"r", "w2"}, {"y"}, {{"pads", same}})},
      {"x"}, {"y"},
      {{"w1", random_tensor({8, 8, 3, 3}, 2)}, {"w2", random_tensor({8, 8, 3, 3}, 3)}});
  g->nodes[0].name = "conv1";
  g->nodes[2].name = "conv2";
  g->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{1, 8, 6, 6});
  return *g;
}

Int8Options options(std::string metric, double max_drop) {
  Int8Options o;
  o.calib_count = 8;
  o.run = {"CPU", 1};
  o.metric = std::move(metric);
  o.max_drop = max_drop;
  return o;
}

TEST(Int8Conversion, WithinTheBoundNothingIsKeptF32) {
  ir::Graph g = two_convs();
  const Int8Report report = quantize_int8(g, options("output-error", 0.5));
  EXPECT_TRUE(report.kept_f32.empty());
  EXPECT_EQ(report.quantized.at("Conv"), 2u);
  EXPECT_EQ(testing::count_ops(g, "QuantizeLinear"), 2u);
  ASSERT_EQ(report.cosines.size(), 1u);
  EXPECT_GT(report.cosines[0], 0.99);
  EXPECT_EQ(report.cosines, report.cosines_all_int8);
}

TEST(Int8Conversion, ABoundINT8CannotMeetReturnsNodesToF32UntilItHolds) {
  ir::Graph g = two_convs();
  const Int8Report report = quantize_int8(g, options("output-error", 1e-9));
  ASSERT_FALSE(report.kept_f32.empty());
  EXPECT_LT(report.cosines_all_int8[0], 1 - 1e-9);
  EXPECT_GE(report.cosines[0], 1 - 1e-9);
  // Both convolutions back in f32: nothing left to quantize, and no Q/DQ pairs.
  EXPECT_EQ(report.kept_f32.size(), 2u);
  EXPECT_EQ(testing::count_ops(g, "QuantizeLinear"), 0u);
  EXPECT_EQ(testing::count_ops(g, "Conv"), 2u);
}

TEST(Int8Conversion, RejectsUnknownMetricsAndDrops) {
  ir::Graph g = two_convs();
  testing::expect_error([&] { quantize_int8(g, options("top5", 0.01)); },
                        Error::Kind::InvalidArgument,
                        "--metric 'top5': expected top1, auroc or output-error");
  testing::expect_error([&] { quantize_int8(g, options("output-error", 1.5)); },
                        Error::Kind::InvalidArgument,
                        "--max-drop 1.5: expected a fraction in (0, 1)");
}

// The task metrics need labels: random calibration samples or a .npy folder have none.
TEST(Int8Conversion, TaskMetricsNeedALabeledDataset) {
  ir::Graph g = two_convs();
  testing::expect_error([&] { quantize_int8(g, options("top1", 0.01)); },
                        Error::Kind::InvalidArgument,
                        "--metric top1 needs labeled validation data: --val-data");
  Int8Options o = options("auroc", 0.01);
  o.val_data = "/nonexistent/folder";
  testing::expect_error([&] { quantize_int8(g, o); }, Error::Kind::InvalidArgument,
                        "--metric auroc needs labeled validation data, and '/nonexistent/folder' "
                        "is not a dataset");
}

TEST(Int8Conversion, TheDropIsRelativeAndHeldPerValue) {
  EXPECT_TRUE(within_drop({0.99, 0.5}, {1.0, 0.5}, 0.01));
  EXPECT_FALSE(within_drop({0.98, 0.5}, {1.0, 0.5}, 0.01));
  EXPECT_FALSE(within_drop({1.0, 0.49}, {1.0, 0.5}, 0.01)) << "each finding, not the mean";
  EXPECT_FALSE(within_drop({std::nan("")}, {0.5}, 0.01));
}

}  // namespace
}  // namespace zenith::tools
