// Writing models: what Zenith writes, ONNX's checker accepts and Zenith reads back into the same
// graph, computing the same outputs.
#include "frontend/onnx/model_writer.h"

#include <gtest/gtest.h>

#include "frontend/onnx/model_loader.h"
#include "passes/quantize.h"
#include "reference/graph_builder.h"
#include "testing/expect_error.h"
#include "testing/outputs.h"
#include "testing/temp_dir.h"

namespace zenith::onnx_frontend {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// Writes `graph`, reads it back (the loader runs ONNX's checker) and runs both on REF.
void expect_round_trip(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds) {
  const testing::TempDir dir("writer");
  write_model(graph, dir / "model.onnx");
  const ir::Graph loaded = load_model(dir / "model.onnx");
  ASSERT_EQ(loaded.nodes.size(), graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    EXPECT_EQ(loaded.nodes[i].op_type, graph.nodes[i].op_type);
    EXPECT_EQ(loaded.nodes[i].outputs, graph.nodes[i].outputs) << graph.nodes[i].name;
  }
  testing::expect_outputs_near(ref::Interpreter().run(loaded, feeds),
                               ref::Interpreter().run(graph, feeds));
}

// A convolution in the QDQ form `zenith convert --precision int8` writes: u8 activations, s8
// weights with a scale per output channel (DequantizeLinear's axis), an i32 bias.
TEST(ModelWriter, AQuantizedConvolutionRoundTrips) {
  auto g = make_graph(
      {make_node("Conv", {"x", "w", "b"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
       make_node("Relu", {"c"}, {"y"})},
      {"x"}, {"y"}, {{"w", random_tensor({8, 4, 3, 3}, 2)}, {"b", random_tensor({8}, 3)}});
  g->nodes[0].name = "conv";
  g->inputs[0].type =
      ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{ir::Dim::named("batch"), 4, 6, 6});
  g->outputs[0].type =
      ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{ir::Dim::named("batch"), 8, 6, 6});
  passes::quantize_qdq(*g, {"conv"}, {{"x", {-1.0f, 1.0f}}});
  EXPECT_EQ(std::count_if(g->nodes.begin(), g->nodes.end(),
                          [](const ir::Node& n) { return n.op_type == "DequantizeLinear"; }),
            3);
  expect_round_trip(*g, {{"x", random_tensor({2, 4, 6, 6}, 1)}});
}

// The IR's Reduce* take axes as an input (opset 18); opset 17 has them as an attribute.
TEST(ModelWriter, ReduceAxesGoBackToTheAttribute) {
  ir::Tensor axes(ir::DType::I64, {1});
  axes.data<int64_t>()[0] = 1;
  auto g = make_graph({make_node("ReduceMean", {"x", "axes"}, {"y"}, {{"keepdims", int64_t{0}}})},
                      {"x"}, {"y"}, {{"axes", axes}});
  g->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{3, 5});
  g->outputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{3});
  expect_round_trip(*g, {{"x", random_tensor({3, 5}, 1)}});
}

TEST(ModelWriter, RefusesZenithsOwnOps) {
  auto g = make_graph({make_node("Gelu", {"x"}, {"y"})}, {"x"}, {"y"});
  g->nodes[0].domain = "zenith";
  g->nodes[0].name = "gelu_7";
  const testing::TempDir dir("writer");
  testing::expect_error([&] { write_model(*g, dir / "model.onnx"); }, Error::Kind::Unsupported,
                        "node 'gelu_7' is zenith.Gelu, a fusion of Zenith's own");
  EXPECT_FALSE(std::filesystem::exists(dir / "model.onnx"));
}

}  // namespace
}  // namespace zenith::onnx_frontend
