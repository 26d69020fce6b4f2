// Calibration samples from .npy folders and random values, and the ranges measured on them.
#include "tools/calibration.h"

#include <gtest/gtest.h>

#include <cmath>

#include "reference/graph_builder.h"
#include "testing/expect_error.h"
#include "testing/outputs.h"
#include "testing/temp_dir.h"
#include "tools/npy.h"

namespace zenith::tools {
namespace {

using testing::expect_error;
using testing::random_tensor;

// Values 0, 1, 2, ... in a [k, 2, 3] tensor starting at `first`.
ir::Tensor counting(int64_t k, float first) {
  ir::Tensor t(ir::DType::F32, {k, 2, 3});
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = first + static_cast<float>(i);
  return t;
}

// y = Relu(x) for x [batch, 2, 3], with the batch symbolic.
ir::Graph relu_graph() {
  auto g = testing::make_graph({testing::make_node("Relu", {"x"}, {"y"})}, {"x"}, {"y"});
  ir::Shape shape = {ir::Dim::named("batch"), ir::Dim(2), ir::Dim(3)};
  g->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, shape);
  return *g;
}

TEST(Calibration, NpyFilesOfAnyBatchAreReadInNameOrderAndCounted) {
  testing::TempDir dir("calib");
  write_npy(dir / "a.npy", counting(3, 0));
  write_npy(dir / "b.npy", counting(2, 100));
  const ir::Graph g = relu_graph();
  const std::vector<SampleInput> inputs = sample_inputs(g);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].sample_dims, (ir::Dims{2, 3}));

  auto samples = open_calibration_samples(dir.path().string(), inputs, 4, 0, "", "");
  EXPECT_EQ(samples->size(), 4u);  // 5 in the files, 4 asked for
  EXPECT_FALSE(samples->random());
  // Batch of 3 from sample 2: a.npy's last, b.npy's first two... of which only b's first is
  // within the 4 kept, so the batch wraps to sample 0.
  const auto feeds = sample_batch(*samples, inputs, 2, 3);
  const ir::Tensor& x = feeds.at("x").tensor();
  EXPECT_EQ(x.dims(), (ir::Dims{3, 2, 3}));
  EXPECT_EQ(x.data<float>()[0], 12.0f);   // a.npy row 2
  EXPECT_EQ(x.data<float>()[6], 100.0f);  // b.npy row 0
  EXPECT_EQ(x.data<float>()[12], 0.0f);   // sample 0 again

  const auto ranges = measure_ranges(g, {"x", "y"}, *samples, {"REF", 1});
  EXPECT_EQ(ranges.at("x").count(), 4u * 6u);
  EXPECT_EQ(ranges.at("x").max(), 105.0f);
  EXPECT_EQ(ranges.at("y").min(), 0.0f);
}

TEST(Calibration, SeveralInputsReadTheirOwnFiles) {
  testing::TempDir dir("calib");
  auto g = testing::make_graph({testing::make_node("Add", {"p", "q"}, {"y"})}, {"p", "q"}, {"y"});
  for (ir::ValueInfo& in : g->inputs)
    in.type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{ir::Dim(1), ir::Dim(2), ir::Dim(3)});
  write_npy(dir / "p_0.npy", counting(2, 0));
  write_npy(dir / "q_0.npy", counting(1, 50));
  write_npy(dir / "q_1.npy", counting(1, 60));
  auto samples = open_calibration_samples(dir.path().string(), sample_inputs(*g), 300, 0, "", "");
  EXPECT_EQ(samples->size(), 2u);
  const auto ranges = measure_ranges(*g, {"y"}, *samples, {"CPU", 1});
  EXPECT_EQ(ranges.at("y").min(), 50.0f);  // 0 + 50
  EXPECT_EQ(ranges.at("y").max(), 76.0f);  // p row 1 last (11) + q_1 last (65)
  testing::TempDir missing("calib_missing");
  write_npy(missing / "p_0.npy", counting(2, 0));
  expect_error(
      [&] { open_calibration_samples(missing.path().string(), sample_inputs(*g), 300, 0, "", ""); },
      Error::Kind::InvalidArgument, "no q_0.npy");
}

TEST(Calibration, NamesAFileThatDoesNotFitTheInput) {
  testing::TempDir dir("calib");
  write_npy(dir / "a.npy", random_tensor({4, 3, 2}, 1));
  expect_error(
      [&] {
        open_calibration_samples(dir.path().string(), sample_inputs(relu_graph()), 300, 0, "", "");
      },
      Error::Kind::InvalidArgument, "a.npy: f32[4,3,2] does not fit input 'x' (f32[k,2,3])");
}

TEST(Calibration, RandomSamplesAreSeededAndSaySo) {
  const ir::Graph g = relu_graph();
  auto a = open_calibration_samples("", sample_inputs(g), 5, 7, "", "");
  auto b = open_calibration_samples("", sample_inputs(g), 5, 7, "", "");
  EXPECT_TRUE(a->random());
  EXPECT_EQ(a->size(), 5u);
  const ir::Tensor x = sample_batch(*a, sample_inputs(g), 0, 5).at("x").tensor();
  const ir::Tensor y = sample_batch(*b, sample_inputs(g), 0, 5).at("x").tensor();
  EXPECT_EQ(testing::values_of<float>(x), testing::values_of<float>(y));
  expect_error([&] { open_calibration_samples("", sample_inputs(g), 0, 7, "", ""); },
               Error::Kind::InvalidArgument, "--calib-count must be at least 1");
}

TEST(Calibration, NeedsEveryDimButTheBatch) {
  auto g = testing::make_graph({testing::make_node("Relu", {"x"}, {"y"})}, {"x"}, {"y"});
  g->inputs[0].type =
      ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{ir::Dim(1), ir::Dim::named("n")});
  expect_error([&] { sample_inputs(*g); }, Error::Kind::InvalidArgument,
               "input 'x' is f32[1,n]: calibration needs every dim but the batch");
}

TEST(Calibration, OutputCosinesOfAModelWithItselfAreOne) {
  const ir::Graph g = relu_graph();
  auto samples = open_calibration_samples("", sample_inputs(g), 9, 1, "", "");
  const std::vector<double> same = output_cosines(g, g, *samples, {"CPU", 1});
  ASSERT_EQ(same.size(), 1u);
  EXPECT_NEAR(same[0], 1.0, 1e-12);
  ir::Graph negated = g;
  negated.nodes[0].op_type = "Neg";
  EXPECT_LT(output_cosines(g, negated, *samples, {"CPU", 1})[0], 0.0);
}

TEST(Calibration, OutputCosinesTakeIntegerOutputs) {
  ir::Graph g = relu_graph();
  g.nodes.push_back(testing::make_node("ArgMax", {"y"}, {"k"}, {{"axis", int64_t{2}}}));
  g.outputs.push_back({"k", {}});
  auto samples = open_calibration_samples("", sample_inputs(g), 4, 1, "", "");
  const std::vector<double> same = output_cosines(g, g, *samples, {"CPU", 1});
  ASSERT_EQ(same.size(), 2u);
  EXPECT_NEAR(same[1], 1.0, 1e-12);
}

}  // namespace
}  // namespace zenith::tools
