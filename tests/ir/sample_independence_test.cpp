// sample_independence: which graphs compute each sample of a batch on its own, and the node that
// says no otherwise.
#include "ir/sample_independence.h"

#include <gtest/gtest.h>

#include "reference/graph_builder.h"
#include "reference/run_node.h"
#include "testing/outputs.h"

namespace zenith::ir {
namespace {

using testing::make_node;
using testing::make_tensor;
using testing::random_tensor;

// `nodes` from input "x" (f32, `shape`) to output "y".
Graph graph_of(std::vector<Node> nodes, Shape shape, std::map<std::string, Tensor> init = {}) {
  auto g = testing::make_graph(std::move(nodes), {"x"}, {"y"}, std::move(init));
  g->inputs[0].type = TypeInfo::tensor(DType::F32, std::move(shape));
  return *g;
}

SampleIndependence of(std::vector<Node> nodes, Shape shape,
                      std::map<std::string, Tensor> init = {}) {
  return sample_independence(graph_of(std::move(nodes), std::move(shape), std::move(init)));
}

TEST(SampleIndependence, AClassifierComputesEachSampleOnItsOwn) {
  const SampleIndependence s =
      of({make_node("Conv", {"x", "w"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
          make_node("Relu", {"c"}, {"r"}), make_node("GlobalAveragePool", {"r"}, {"p"}),
          make_node("Flatten", {"p"}, {"f"}),
          make_node("Gemm", {"f", "fc", "bias"}, {"g"}, {{"transB", int64_t{1}}}),
          make_node("Softmax", {"g"}, {"y"}, {{"axis", int64_t{-1}}})},
         Shape{4, 3, 8, 8},
         {{"w", random_tensor({5, 3, 3, 3})},
          {"fc", random_tensor({10, 5})},
          {"bias", random_tensor({10})}});
  EXPECT_EQ(s.batch, 4);
  EXPECT_TRUE(s.independent()) << s.reason;
}

TEST(SampleIndependence, AReshapeMayFoldTheBatchWithAnotherAxis) {
  // Swin's windows: [4, 6] -> [8, 3] keeps each sample's elements in its own two rows.
  const SampleIndependence folded =
      of({make_node("Reshape", {"x", "s"}, {"r"}), make_node("Relu", {"r"}, {"y"})}, Shape{4, 6},
         {{"s", make_tensor<int64_t>({2}, {8, 3})}});
  EXPECT_TRUE(folded.independent()) << folded.reason;
  const SampleIndependence mixed = of({make_node("Reshape", {"x", "s"}, {"y"})}, Shape{4, 6},
                                      {{"s", make_tensor<int64_t>({2}, {6, 4})}});
  EXPECT_FALSE(mixed.independent());
  EXPECT_NE(mixed.reason.find("n_Reshape"), std::string::npos) << mixed.reason;
}

TEST(SampleIndependence, OpsThatMixSamplesAreNamed) {
  struct Case {
    std::string name;
    std::vector<Node> nodes;
    std::map<std::string, Tensor> init;
  };
  const std::vector<Case> cases = {
      {"mean over the batch",
       {make_node("ReduceMean", {"x"}, {"y"}, {{"axes", std::vector<int64_t>{0}}})}},
      {"reduce every axis", {make_node("ReduceSum", {"x"}, {"y"})}},
      {"batch moved",
       {make_node("Transpose", {"x"}, {"y"}, {{"perm", std::vector<int64_t>{1, 0}}})}},
      {"softmax over the batch", {make_node("Softmax", {"x"}, {"y"}, {{"axis", int64_t{0}}})}},
      {"a constant row per sample",
       {make_node("Add", {"x", "c"}, {"y"})},
       {{"c", random_tensor({4, 6})}}},
      {"first rows only",
       {make_node("Slice", {"x", "starts", "ends", "axes"}, {"y"})},
       {{"starts", make_tensor<int64_t>({1}, {0})},
        {"ends", make_tensor<int64_t>({1}, {2})},
        {"axes", make_tensor<int64_t>({1}, {0})}}},
      {"batch statistics",
       {make_node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"},
                  {{"training_mode", int64_t{1}}})},
       {{"s", random_tensor({6})},
        {"b", random_tensor({6})},
        {"m", random_tensor({6})},
        {"v", random_tensor({6})}}},
      {"an op without a rule", {make_node("Shape", {"x"}, {"y"})}},
  };
  for (const Case& c : cases) {
    const SampleIndependence s = of(c.nodes, Shape{4, 6}, c.init);
    EXPECT_FALSE(s.independent()) << c.name;
    EXPECT_NE(s.reason.find("'n_"), std::string::npos) << c.name << ": " << s.reason;
  }
}

TEST(SampleIndependence, ConstantsThatBroadcastOrRepeatOneRowAreShared) {
  // A bias of one row, a scalar, and a class token expanded to every sample (rows alike).
  Tensor token = random_tensor({1, 6});
  Tensor tokens(DType::F32, {4, 6});
  for (int r = 0; r < 4; ++r) std::copy_n(token.data<float>(), 6, tokens.data<float>() + 6 * r);
  const SampleIndependence s = of(
      {make_node("Add", {"x", "bias"}, {"a"}), make_node("Mul", {"a", "half"}, {"m"}),
       make_node("Concat", {"tokens", "m"}, {"y"}, {{"axis", int64_t{1}}})},
      Shape{4, 6},
      {{"bias", random_tensor({1, 6})}, {"half", Tensor::scalar<float>(0.5f)}, {"tokens", tokens}});
  EXPECT_TRUE(s.independent()) << s.reason;
  tokens.data<float>()[6] += 1;  // the second sample's row differs now
  const SampleIndependence differs =
      of({make_node("Concat", {"tokens", "x"}, {"y"}, {{"axis", int64_t{1}}})}, Shape{4, 6},
         {{"tokens", tokens}});
  EXPECT_FALSE(differs.independent());
}

TEST(SampleIndependence, EmbeddingsGatherPerSample) {
  auto g = testing::make_graph(
      {make_node("Gather", {"table", "x"}, {"e"}),
       make_node("ReduceSum", {"e"}, {"y"}, {{"axes", std::vector<int64_t>{1}}})},
      {"x"}, {"y"}, {{"table", random_tensor({10, 3})}});
  g->inputs[0].type = TypeInfo::tensor(DType::I64, Shape{4, 5});
  const SampleIndependence s = sample_independence(*g);
  EXPECT_TRUE(s.independent()) << s.reason;
}

TEST(SampleIndependence, ABatchOfOneHasNothingToSplit) {
  const SampleIndependence s = of({make_node("Relu", {"x"}, {"y"})}, Shape{1, 6});
  EXPECT_FALSE(s.independent());
  EXPECT_EQ(s.batch, 1);
}

}  // namespace
}  // namespace zenith::ir
