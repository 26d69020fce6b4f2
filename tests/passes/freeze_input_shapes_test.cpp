#include "passes/freeze_input_shapes.h"

#include <gtest/gtest.h>

#include "reference/graph_builder.h"
#include "testing/expect_error.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;

std::shared_ptr<ir::Graph> relu_graph() {
  auto graph = make_graph({make_node("Relu", {"x"}, {"h"}), make_node("Neg", {"h"}, {"y"})},
                          {"x"}, {"y"});
  const ir::Shape batch_by_4 = {ir::Dim::named("batch"), ir::Dim(4)};
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, batch_by_4);
  graph->outputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, batch_by_4);
  graph->value_types["h"] = ir::TypeInfo::tensor(ir::DType::F32, batch_by_4);
  return graph;
}

TEST(FreezeInputShapes, FixesTheInputAndPropagatesToOutputsAndAnnotatedValues) {
  auto graph = relu_graph();
  EXPECT_EQ(freeze_input_shapes(*graph, {{"x", {2, 4}}}),
            (ChangeCounts{{"inputs", 1}, {"values", 2}}));
  EXPECT_EQ(ir::to_string(graph->inputs[0].type), "f32[2,4]");
  EXPECT_EQ(ir::to_string(graph->outputs[0].type), "f32[2,4]");
  EXPECT_EQ(ir::to_string(graph->value_types.at("h")), "f32[2,4]");
  EXPECT_TRUE(freeze_input_shapes(*graph, {{"x", {2, 4}}}).empty()) << "already frozen";
}

TEST(FreezeInputShapes, RefusesWhatDoesNotFitAndLeavesTheGraphAsItWas) {
  auto graph = relu_graph();
  const std::string before = ir::to_string(graph->inputs[0].type);
  using zenith::testing::expect_error;
  expect_error([&] { freeze_input_shapes(*graph, {{"x", {2, 5}}}); },
               Error::Kind::InvalidArgument,
               "test.onnx: input 'x' is f32[batch,4], which [2,5] does not fit");
  expect_error([&] { freeze_input_shapes(*graph, {{"x", {2, 4, 1}}}); },
               Error::Kind::InvalidArgument, "[2,4,1] does not fit");
  expect_error([&] { freeze_input_shapes(*graph, {{"x", {-1, 4}}}); },
               Error::Kind::InvalidArgument, "[-1,4] does not fit");
  expect_error([&] { freeze_input_shapes(*graph, {{"x", {2, 4}}, {"q", {1}}}); },
               Error::Kind::InvalidArgument, "test.onnx: the model has no input 'q'; its inputs are 'x'");
  EXPECT_EQ(ir::to_string(graph->inputs[0].type), before);
}

}  // namespace
}  // namespace zenith::passes
