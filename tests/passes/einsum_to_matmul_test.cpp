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

struct Case {
  std::string equation;
  ir::Dims a, b;
  size_t transposes;
};

TEST(EinsumToMatMul, LowersBatchedProductsWithEitherOperandTransposed) {
  for (const Case& c : std::vector<Case>{
           {"B G H I D, B G H J D -> B G H I J", {3, 2, 4, 5, 7}, {3, 2, 4, 6, 7}, 1},
           {"BGHIJ,BGHJD->BGHID", {1, 2, 3, 5, 6}, {1, 2, 3, 6, 7}, 0},
           {"ki,kj->ij", {4, 3}, {4, 5}, 1},
           {"bki,bjk->bij", {2, 4, 3}, {2, 5, 4}, 2},
       }) {
    SCOPED_TRACE(c.equation);
    auto graph = make_graph({make_node("Einsum", {"a", "b"}, {"y"}, {{"equation", c.equation}})},
                            {"a", "b"}, {"y"});
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
    auto graph = make_graph({make_node("Einsum", {"a", "b"}, {"y"}, {{"equation", equation}})},
                            {"a", "b"}, {"y"});
    EXPECT_TRUE(lower_einsums(*graph).empty());
    EXPECT_EQ(count_ops(*graph, "Einsum"), 1u);
  }
}

}  // namespace
}  // namespace zenith::passes
