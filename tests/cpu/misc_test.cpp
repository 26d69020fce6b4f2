#include <omp.h>

#include <cstdlib>

#include "cpu/differential.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

TEST(CpuConcat, MixedChannelCountsAndLastAxis) {
  auto g = make_graph({make_node("Concat", {"A", "B", "C"}, {"Y"}, {{"axis", int64_t{1}}})},
                      {"A", "B", "C"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"A", random_tensor({5, 5, 3, 7}, 1)},
                              {"B", random_tensor({5, 16, 3, 7}, 2)},
                              {"C", random_tensor({5, 3, 3, 7}, 3)}});
  auto last = make_graph({make_node("Concat", {"A", "B"}, {"Y"}, {{"axis", int64_t{-1}}})},
                         {"A", "B"}, {"Y"});
  expect_cpu_matches_ref(*last, {{"A", random_tensor({2, 3}, 1)}, {"B", random_tensor({2, 5}, 2)}});
}

TEST(CpuGemm, TransposesAndBiasShapes) {
  for (int64_t ta : {0, 1})
    for (int64_t tb : {0, 1})
      for (const ir::Dims& c : {ir::Dims{7}, ir::Dims{5, 7}, ir::Dims{5, 1}}) {
        SCOPED_TRACE(::testing::Message() << "transA " << ta << " transB " << tb);
        auto g = make_graph({make_node("Gemm", {"A", "B", "C"}, {"Y"},
                                       {{"transA", ta}, {"transB", tb}})},
                            {"A"}, {"Y"},
                            {{"B", random_tensor(tb ? ir::Dims{7, 3} : ir::Dims{3, 7}, 2)},
                             {"C", random_tensor(c, 3)}});
        expect_cpu_matches_ref(*g, {{"A", random_tensor(ta ? ir::Dims{3, 5} : ir::Dims{5, 3}, 1)}});
      }
}

// An initializer that is also a graph input is a default the caller may override (as ONNX
// Runtime has it, and as training feeds its parameters): the CPU reads it at every run rather
// than packing the first value it saw.
TEST(CpuGemm, AnInitializerTheCallerFeedsIsNotPackedOnce) {
  auto g = make_graph({make_node("Gemm", {"x", "w"}, {"y"}), make_node("Conv", {"i", "k"}, {"z"})},
                      {"x", "w", "i", "k"}, {"y", "z"},
                      {{"w", random_tensor({6, 5}, 2)}, {"k", random_tensor({3, 2, 3, 3}, 3)}});
  const runtime::Plan plan(*g, {"CPU", "REF"});
  for (uint64_t seed : {4, 5}) {
    const std::map<std::string, ir::Value> feeds = {{"x", random_tensor({4, 6}, 1)},
                                                    {"w", random_tensor({6, 5}, seed)},
                                                    {"i", random_tensor({1, 2, 5, 5}, 1)},
                                                    {"k", random_tensor({3, 2, 3, 3}, seed)}};
    testing::expect_outputs_near(plan.run(feeds, 0), ref::Interpreter().run(*g, feeds), 1e-4, 1e-5);
  }
}

// Products large enough for the CPU to time B's two layouts (matmul_choice.h), run with each
// layout fixed and with the timed choice: Gemm's B stored either way, MatMul's [K, N] weight,
// a fused bias and activation.
TEST(CpuMatMul, ConstantWeightsInEitherLayout) {
  std::vector<std::shared_ptr<ir::Graph>> graphs;
  for (int64_t tb : {0, 1})
    graphs.push_back(
        make_graph({make_node("Gemm", {"A", "B", "C"}, {"g"}, {{"transB", tb}}),
                    make_node("Relu", {"g"}, {"Y"})},
                   {"A"}, {"Y"},
                   {{"B", random_tensor(tb ? ir::Dims{160, 1030} : ir::Dims{1030, 160}, 2)},
                    {"C", random_tensor({160}, 3)}}));
  graphs.push_back(make_graph({make_node("MatMul", {"A", "B"}, {"Y"})}, {"A"}, {"Y"},
                              {{"B", random_tensor({1030, 160}, 2)}}));
  for (const char* layout : {"rows", "transposed", ""}) {
    SCOPED_TRACE(::testing::Message() << "ZENITH_MATMUL_WEIGHTS=" << layout);
    setenv("ZENITH_MATMUL_WEIGHTS", layout, 1);
    if (*layout == 0) unsetenv("ZENITH_MATMUL_WEIGHTS");
    for (const auto& g : graphs)  // 103 x 1030 x 160: 17 million multiply-adds
      expect_cpu_matches_ref(*g, {{"A", random_tensor({103, 1030}, 1)}},
                             {.rtol = 1e-4, .atol = 1e-4});
  }
}

TEST(CpuMatMul, BatchedWithBroadcastAndRankDifference) {
  auto g = make_graph({make_node("MatMul", {"A", "B"}, {"Y"})}, {"A", "B"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"A", random_tensor({2, 1, 3, 4}, 1)}, {"B", random_tensor({5, 4, 6}, 2)}});
}

TEST(CpuSoftmax, AlongEachAxis) {
  for (const char* op : {"Softmax", "LogSoftmax"})
    for (int64_t axis : {1, -1}) {
      auto g = make_graph({make_node(op, {"X"}, {"Y"}, {{"axis", axis}})}, {"X"}, {"Y"});
      expect_cpu_matches_ref(*g, {{"X", random_tensor({5, 3, 17}, 1)}});
    }
}

TEST(CpuLrn, OddSizes) {
  for (int64_t size : {3, 5}) {
    auto g = make_graph({make_node("LRN", {"X"}, {"Y"}, {{"size", size}, {"alpha", 0.01f}})},
                        {"X"}, {"Y"});
    expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 19, 5, 3}, 1)}});
  }
}

TEST(CpuHetero, UnsupportedNodeBetweenCpuNodesRunsOnRef) {
  auto g = make_graph({make_node("Relu", {"X"}, {"a"}), make_node("Sin", {"a"}, {"b"}),
                       make_node("Sigmoid", {"b"}, {"Y"})},
                      {"X"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({3, 17, 2, 2}, 1)}}, {.on_cpu = false});
  const runtime::Plan plan(*g, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[0].device, "CPU");
  EXPECT_EQ(plan.assignments()[1].device, "REF");
  EXPECT_EQ(plan.assignments()[1].reason, "no CPU kernel for Sin");
  EXPECT_EQ(plan.assignments()[2].device, "CPU");
}

// An If on REF whose bodies read, by name, values CPU steps made in channel blocks: the outer
// Conv's output in the then branch, and inside a nested If, the Relu's; the else branch reads
// only its own input. REF binds what the bodies read, not every value the plan holds.
TEST(CpuHetero, IfBodiesReadValuesOfCpuSteps) {
  auto nested = make_graph(
      {make_node("If", {"cond"}, {"n_out"},
                 {{"then_branch", make_graph({make_node("Mul", {"r", "c"}, {"m"})}, {}, {"m"})},
                  {"else_branch", make_graph({make_node("Neg", {"r"}, {"g"})}, {}, {"g"})}})},
      {}, {"n_out"});
  auto then_branch =
      make_graph({make_node("Add", {"c", "c"}, {"a"}), make_node("Identity", {"a"}, {"t_out"})}, {},
                 {"t_out"});
  auto g = make_graph(
      {make_node("Conv", {"X", "W"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
       make_node("Relu", {"c"}, {"r"}),
       make_node("If", {"cond"}, {"y"}, {{"then_branch", then_branch}, {"else_branch", nested}}),
       make_node("Sigmoid", {"y"}, {"Y"})},
      {"X", "cond"}, {"Y"}, {{"W", random_tensor({16, 8, 3, 3}, 2)}});
  for (const bool cond : {true, false}) {
    SCOPED_TRACE(cond);
    expect_cpu_matches_ref(
        *g, {{"X", random_tensor({2, 8, 6, 6}, 1)}, {"cond", ir::Tensor::scalar(cond)}},
        {.rtol = 1e-3, .atol = 1e-4, .on_cpu = false});
  }
}

TEST(CpuHetero, ThreadCountKeepsResultsAndTheCallersSettingIsRestored) {
  auto g = make_graph({make_node("Conv", {"X", "W"}, {"c"}), make_node("Relu", {"c"}, {"Y"})},
                      {"X"}, {"Y"}, {{"W", random_tensor({32, 16, 3, 3}, 2)}});
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({2, 16, 9, 9}, 1)}};
  const int before = omp_get_max_threads();
  const auto one = runtime::Plan(*g, {"CPU", "REF"}, 1).run(feeds, 0);
  EXPECT_EQ(omp_get_max_threads(), before);
  const auto two = runtime::Plan(*g, {"CPU", "REF"}, 2).run(feeds, 0);
  testing::expect_outputs_near(one, two, 1e-3, 1e-4);
  try {
    runtime::Plan(*g, {"CPU", "REF"}, -1);
    FAIL() << "a negative thread count was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("num_threads is -1"), std::string::npos) << e.what();
  }
}

// Bad shapes at run time get the same kind of message on CPU as on REF: what is wrong, and
// which node.
TEST(CpuHetero, WrongShapesAreErrorsThatNameTheNode) {
  auto conv = make_graph({make_node("Conv", {"X", "W"}, {"Y"})}, {"X"}, {"Y"},
                         {{"W", random_tensor({4, 3, 3, 3}, 2)}});
  auto gemm = make_graph({make_node("Gemm", {"A", "B"}, {"Y"})}, {"A"}, {"Y"},
                         {{"B", random_tensor({4, 6}, 2)}});
  const std::vector<std::pair<std::shared_ptr<ir::Graph>, ir::Tensor>> cases = {
      {conv, random_tensor({1, 5, 8, 8}, 1)}, {gemm, random_tensor({2, 5}, 1)}};
  for (const auto& [graph, x] : cases) {
    const runtime::Plan plan(*graph, {"CPU", "REF"});
    try {
      plan.run({{graph->inputs[0].name, x}}, 0);
      ADD_FAILURE() << graph->nodes[0].op_type << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find("node 'n_" + graph->nodes[0].op_type + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace zenith
