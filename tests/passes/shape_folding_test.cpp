#include "passes/shape_folding.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "passes/pipeline.h"
#include "reference/run_node.h"
#include "testing/shape_chain_graph.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::make_tensor;
using Ints = std::vector<int64_t>;

TEST(ShapeFolding, TurnsAShapeChainOfStaticInputsIntoConstants) {
  auto graph = testing::shape_chain_graph(ir::Shape{3, 2, 5});
  const ir::Graph before = *graph;
  EXPECT_EQ(fold_shapes(*graph),
            (ChangeCounts{{"Concat", 1}, {"Gather", 1}, {"Shape", 1}, {"Unsqueeze", 1}}));
  EXPECT_EQ(testing::values_of<int64_t>(graph->initializers.at("target")), (Ints{3, -1}));
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({3, 2, 5})}});
}

TEST(ShapeFolding, ThePipelineLeavesOnlyTheComputation) {
  auto graph = testing::shape_chain_graph(ir::Shape{3, 2, 5});
  const ir::Graph before = *graph;
  run_default_passes(*graph);
  ASSERT_EQ(graph->nodes.size(), 2u);
  EXPECT_EQ(graph->nodes[0].op_type, "Relu");
  EXPECT_EQ(graph->nodes[1].op_type, "Reshape");
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({3, 2, 5})}});
}

TEST(ShapeFolding, WaitsForEveryInputShapeToBeConcrete) {
  auto graph = testing::shape_chain_graph(ir::Shape{ir::Dim::named("batch"), 2, 5});
  EXPECT_TRUE(fold_shapes(*graph).empty());
  EXPECT_EQ(graph->nodes.size(), 6u);
}

TEST(ShapeFolding, ValuesThatLeaveTheIntegersStayComputed) {
  // Shape inference carries integers through a Cast to f32, where a Div would then divide as
  // floats do; neither that Cast nor anything after it may become a constant.
  auto graph = make_graph({make_node("Shape", {"x"}, {"s"}),
                           make_node("Cast", {"s"}, {"f"}, {{"to", int64_t{1}}}),
                           make_node("Div", {"f", "f2"}, {"q"}),
                           make_node("Cast", {"q"}, {"y"}, {{"to", int64_t{7}}})},
                          {"x"}, {"y"}, {{"f2", make_tensor<float>({1}, {2})}});
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{3});
  const ir::Graph before = *graph;
  EXPECT_EQ(fold_shapes(*graph), (ChangeCounts{{"Shape", 1}}));
  EXPECT_EQ(graph->nodes.size(), 3u);
  testing::expect_same_outputs(before, *graph, {{"x", testing::random_tensor({3})}});
}

TEST(ShapeFolding, DataNeverBecomesAConstant) {
  // Slice of an integer input: its shape is static, its contents are the caller's.
  auto graph = make_graph({make_node("Slice", {"ids", "start", "end"}, {"y"})}, {"ids"}, {"y"},
                          {{"start", make_tensor<int64_t>({1}, {1})},
                           {"end", make_tensor<int64_t>({1}, {3})}});
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::I64, ir::Shape{4});
  EXPECT_TRUE(fold_shapes(*graph).empty());
}

}  // namespace
}  // namespace zenith::passes
