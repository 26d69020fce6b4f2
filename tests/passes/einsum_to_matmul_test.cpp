#include "passes/einsum_to_matmul.h"

#include <gtest/gtest.h>

#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::count_ops;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using testing::run_graph;

struct Case {
  std::string equation;
  ir::Dims a, b;
  size_t transposes;
};

// y = Einsum(a, b) with inputs declared f32 of the given shapes.
std::shared_ptr<ir::Graph> einsum_graph(const std::string& equation, const ir::Shape& a,
                                        const ir::Shape& b) {
  auto graph = make_graph({make_node("Einsum", {"a", "b"}, {"y"}, {{"equation", equation}})},
                          {"a", "b"}, {"y"});
  graph->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, a);
  graph->inputs[1].type = ir::TypeInfo::tensor(ir::DType::F32, b);
  return graph;
}

TEST(EinsumToMatMul, LowersBatchedProductsWithEitherOperandTransposed) {
  for (const Case& c : std::vector<Case>{
           {"B G H I D, B G H J D -> B G H I J", {3, 2, 4, 5, 7}, {3, 2, 4, 6, 7}, 1},
           {"BGHIJ,BGHJD->BGHID", {1, 2, 3, 5, 6}, {1, 2, 3, 6, 7}, 0},
           {"ki,kj->ij", {4, 3}, {4, 5}, 1},
           {"bki,bjk->bij", {2, 4, 3}, {2, 5, 4}, 2},
       }) {
    SCOPED_TRACE(c.equation);
    auto graph = einsum_graph(c.equation, ir::to_shape(c.a), ir::to_shape(c.b));
    const ir::Graph before = *graph;
    EXPECT_EQ(lower_einsums(*graph), (ChangeCounts{{"Einsum", 1}}));
    EXPECT_EQ(count_ops(*graph, "Einsum"), 0u);
    EXPECT_EQ(count_ops(*graph, "MatMul"), 1u);
    EXPECT_EQ(count_ops(*graph, "Transpose"), c.transposes);
    EXPECT_EQ(graph->nodes.back().op_type, "MatMul");
    // Einsum's REF kernel sums in double, MatMul's in float.
    testing::expect_same_outputs(
        before, *graph, {{"a", random_tensor(c.a, 1)}, {"b", random_tensor(c.b, 2)}}, 1e-5, 1e-6);
  }
}

TEST(EinsumToMatMul, KeepsOtherEquations) {
  for (const char* equation : {"ij,jk", "...ij,...jk->...ik", "bij,bjk->bik,", "ii,ij->ij",
                               "bij,bjk->bki", "abij,bajk->abik", "ij,jk->ijk", "ij,ij->ij"}) {
    SCOPED_TRACE(equation);
    auto graph = einsum_graph(equation, ir::to_shape({2, 2, 2}), ir::to_shape({2, 2, 2}));
    EXPECT_TRUE(lower_einsums(*graph).empty());
    EXPECT_EQ(count_ops(*graph, "Einsum"), 1u);
  }
}

// MatMul would broadcast the batch of 1 and answer; Einsum must refuse the mismatch.
TEST(EinsumToMatMul, KeepsOperandsWhoseLabelsDisagree) {
  for (const auto& [a, b] : std::vector<std::pair<ir::Dims, ir::Dims>>{
           {{1, 2, 3}, {4, 3, 5}}, {{4, 2, 3}, {1, 3, 5}}, {{4, 2, 3}, {4, 2, 5}}}) {
    auto graph = einsum_graph("bij,bjk->bik", ir::to_shape(a), ir::to_shape(b));
    EXPECT_TRUE(lower_einsums(*graph).empty());
    EXPECT_THROW(run_graph(*graph, {{"a", random_tensor(a, 1)}, {"b", random_tensor(b, 2)}}),
                 Error);
  }
}

// With a symbolic dim the operands may disagree at run time; the graph compiled for concrete
// shapes lowers it.
TEST(EinsumToMatMul, WaitsForConcreteInputShapes) {
  ir::Shape a = ir::to_shape({2, 3, 4});
  a[0] = ir::Dim::named("batch");
  auto graph = einsum_graph("bij,bjk->bik", a, ir::to_shape({2, 4, 5}));
  EXPECT_TRUE(lower_einsums(*graph).empty());
}

// The second Einsum's operand is the first's output: it is lowered once the first is a MatMul.
TEST(EinsumToMatMul, LowersChainedEinsums) {
  auto graph = make_graph({make_node("Einsum", {"a", "b"}, {"ab"}, {{"equation", "ij,jk->ik"}}),
                           make_node("Einsum", {"ab", "c"}, {"y"}, {{"equation", "ik,kl->il"}})},
                          {"a", "b", "c"}, {"y"});
  for (size_t i = 0; i < 3; ++i)
    graph->inputs[i].type = ir::TypeInfo::tensor(ir::DType::F32, ir::to_shape({3, 3}));
  EXPECT_EQ(lower_einsums(*graph), (ChangeCounts{{"Einsum", 2}}));
  EXPECT_EQ(count_ops(*graph, "MatMul"), 2u);
}

}  // namespace
}  // namespace zenith::passes
