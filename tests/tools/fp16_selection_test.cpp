// Mixed-precision selection: the tolerance measure, and which weights stay f32.
#include "tools/fp16_selection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "reference/graph_builder.h"
#include "testing/outputs.h"

namespace zenith::tools {
namespace {

using testing::make_graph;
using testing::make_node;

std::vector<ir::Value> values(std::vector<float> v) {
  ir::Tensor t(ir::DType::F32, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<float>());
  return {ir::Value(t)};
}

TEST(Fp16Selection, ToleranceRatioIsTheWorstElementAgainstAtolPlusRtol) {
  const Tolerance tol{0.01, 0.001};
  EXPECT_EQ(tolerance_ratio(values({1, 2}), values({1, 2}), tol), 0);
  // |1.011 - 1| / (0.001 + 0.01 * 1) = 1: exactly at the edge.
  EXPECT_NEAR(tolerance_ratio(values({1.011f, 0}), values({1, 0}), tol), 1.0, 1e-4);
  EXPECT_NEAR(tolerance_ratio(values({1, 0.003f}), values({1, 0}), tol), 3.0, 1e-4);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(tolerance_ratio(values({nan, inf}), values({nan, inf}), tol), 0);
  EXPECT_TRUE(std::isinf(tolerance_ratio(values({nan}), values({1}), tol)));
  EXPECT_TRUE(std::isinf(tolerance_ratio(values({1}), values({1, 2}), tol)));
}

// A weight whose values f16 holds exactly cannot move the outputs; one it rounds does.
TEST(Fp16Selection, KeepsF32OnlyTheWeightsThatMoveTheOutputs) {
  ir::Tensor exact(ir::DType::F32, {64, 64}), rounded(ir::DType::F32, {64, 64});
  for (int64_t i = 0; i < exact.numel(); ++i) {
    exact.data<float>()[i] = static_cast<float>(i % 17 - 8) / 64;
    rounded.data<float>()[i] = 1.0f / 3 + static_cast<float>(i % 13) * 1e-4f;
  }
  ir::Tensor small(ir::DType::F32, {1, 64});  // too small to be compressed at all
  for (int64_t i = 0; i < small.numel(); ++i) small.data<float>()[i] = 0.1f;
  const auto graph = make_graph({make_node("MatMul", {"x", "exact"}, {"h"}),
                                 make_node("MatMul", {"h", "rounded"}, {"r"}),
                                 make_node("Add", {"r", "small"}, {"y"})},
                                {"x"}, {"y"},
                                {{"exact", exact}, {"rounded", rounded}, {"small", small}});
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::to_shape({1, 64}));
  const std::map<std::string, ir::Value> feeds = {{"x", testing::random_tensor({1, 64})}};

  const Fp16Plan loose = plan_fp16(*graph, feeds, "REF", 1, {1e-2, 1e-3});
  EXPECT_EQ(loose.candidates, 2u);
  EXPECT_LE(loose.ratio_all_f16, 1);
  EXPECT_TRUE(loose.keep_f32.empty());
  EXPECT_EQ(loose.evaluations, 2);  // f32, then all in f16

  const Fp16Plan tight = plan_fp16(*graph, feeds, "REF", 1, {0, 1e-7});
  EXPECT_GT(tight.ratio_all_f16, 1);
  EXPECT_EQ(tight.keep_f32, (std::set<std::string>{"rounded"}));
  EXPECT_EQ(tight.ratio, 0);
}

}  // namespace
}  // namespace zenith::tools
