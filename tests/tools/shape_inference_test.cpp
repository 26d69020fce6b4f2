// Static shape propagation and the FLOP estimate built on it.
#include "ir/shape_inference.h"

#include <gtest/gtest.h>

#include "tools/model_stats.h"

namespace zenith::ir {
namespace {

Node node(std::string op, std::vector<std::string> inputs, std::vector<std::string> outputs,
          std::map<std::string, Attribute> attributes = {}) {
  Node n;
  n.name = op;
  n.op_type = std::move(op);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attributes = std::move(attributes);
  return n;
}

Tensor i64(std::vector<int64_t> values) {
  Tensor t(DType::I64, {static_cast<int64_t>(values.size())});
  for (size_t i = 0; i < values.size(); ++i) t.data<int64_t>()[i] = values[i];
  return t;
}

// x[batch,3,224,224] -> Conv 7x7/2 pad 3 -> MaxPool 3x3/2 pad 1 -> GlobalAveragePool ->
// Reshape via Shape/Gather/Concat -> Gemm to 10.
Graph small_net() {
  Graph g;
  g.inputs.push_back({"x", TypeInfo::tensor(DType::F32, Shape{Dim::named("batch"), 3, 224, 224})});
  g.initializers["w"] = Tensor(DType::F32, {64, 3, 7, 7});
  g.initializers["fc"] = Tensor(DType::F32, {10, 64});
  g.initializers["zero"] = i64({0});
  g.initializers["minus1"] = i64({-1});
  using Ints = std::vector<int64_t>;
  g.nodes.push_back(
      node("Conv", {"x", "w"}, {"c"}, {{"strides", Ints{2, 2}}, {"pads", Ints{3, 3, 3, 3}}}));
  g.nodes.push_back(node("Relu", {"c"}, {"r"}));
  g.nodes.push_back(
      node("MaxPool", {"r"}, {"p"},
           {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}));
  g.nodes.push_back(node("GlobalAveragePool", {"p"}, {"gap"}));
  g.nodes.push_back(node("Shape", {"gap"}, {"shape"}));
  g.nodes.push_back(node("Gather", {"shape", "zero"}, {"n"}));
  g.nodes.push_back(node("Concat", {"n", "minus1"}, {"target"}, {{"axis", int64_t{0}}}));
  g.nodes.push_back(node("Reshape", {"gap", "target"}, {"flat"}));
  g.nodes.push_back(node("Gemm", {"flat", "fc"}, {"y"}, {{"transB", int64_t{1}}}));
  g.nodes.push_back(node("NoSuchOp", {"y"}, {"z"}));
  g.nodes.push_back(node("Relu", {"z"}, {"after_unknown"}));
  return g;
}

TEST(ShapeInference, PropagatesThroughCommonOps) {
  const auto dims = infer_shapes(small_net());
  EXPECT_EQ(dims.at("c"), (Dims{1, 64, 112, 112}));
  EXPECT_EQ(dims.at("p"), (Dims{1, 64, 56, 56}));
  EXPECT_EQ(dims.at("gap"), (Dims{1, 64, 1, 1}));
  EXPECT_EQ(dims.at("flat"), (Dims{1, 64}));
  EXPECT_EQ(dims.at("y"), (Dims{1, 10}));
  EXPECT_FALSE(dims.count("z"));
  EXPECT_FALSE(dims.count("after_unknown"));
}

TEST(ShapeInference, OverridesSetInputDims) {
  const auto dims = infer_shapes(small_net(), {{"x", {8, 3, 32, 32}}});
  EXPECT_EQ(dims.at("c"), (Dims{8, 64, 16, 16}));
  EXPECT_EQ(dims.at("y"), (Dims{8, 10}));
}

TEST(ShapeInference, CeilModePoolingAndMatMulBroadcast) {
  Graph g;
  g.inputs.push_back({"x", TypeInfo::tensor(DType::F32, Shape{1, 1, 5, 5})});
  g.inputs.push_back({"a", TypeInfo::tensor(DType::F32, Shape{2, 1, 3, 4})});
  g.inputs.push_back({"b", TypeInfo::tensor(DType::F32, Shape{5, 4, 6})});
  using Ints = std::vector<int64_t>;
  g.nodes.push_back(
      node("MaxPool", {"x"}, {"p"},
           {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}));
  g.nodes.push_back(node("MatMul", {"a", "b"}, {"m"}));
  const auto dims = infer_shapes(g);
  EXPECT_EQ(dims.at("p"), (Dims{1, 1, 3, 3}));
  EXPECT_EQ(dims.at("m"), (Dims{2, 5, 3, 6}));
}

TEST(ModelStats, CountsMacsFlopsAndParameters) {
  const Graph g = small_net();
  const auto stats = tools::compute_stats(g, infer_shapes(g));
  const double conv_macs = 64.0 * 112 * 112 * 3 * 7 * 7;
  const double gemm_macs = 64.0 * 10;
  EXPECT_DOUBLE_EQ(stats.macs, conv_macs + gemm_macs);
  // Relu: one per element; MaxPool: 9 per output; GlobalAveragePool: one per input element.
  const double others = 64.0 * 112 * 112 + 64.0 * 56 * 56 * 9 + 64.0 * 56 * 56;
  EXPECT_DOUBLE_EQ(stats.flops, 2 * (conv_macs + gemm_macs) + others);
  EXPECT_EQ(stats.parameter_count, 64 * 3 * 7 * 7 + 10 * 64 + 2);
  EXPECT_EQ(stats.node_count, 11);
  ASSERT_EQ(stats.nodes_without_shapes.size(), 2u);  // NoSuchOp and the Relu after it
  EXPECT_EQ(stats.op_histogram.front().first, "Relu");
  EXPECT_EQ(stats.op_histogram.front().second, 2);
}

}  // namespace
}  // namespace zenith::ir
