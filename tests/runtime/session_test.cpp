// A session compiles one plan per input shapes, with the shape computations folded, and keeps the
// most recently used ones.
#include "runtime/session.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "devices/reference/interpreter.h"
#include "reference/graph_builder.h"
#include "testing/outputs.h"
#include "testing/shape_chain_graph.h"

namespace zenith::runtime {
namespace {

ir::Graph flatten_model(ir::Shape input) { return *testing::shape_chain_graph(std::move(input)); }

std::vector<ir::Value> run(const Session& session, const ir::Graph& graph, ir::Dims dims) {
  const std::map<std::string, ir::Value> feeds = {{"x", testing::random_tensor(dims)}};
  std::vector<ir::Value> out = session.run(feeds);
  testing::expect_outputs_near(out, ref::Interpreter().run(graph, feeds), 0, 0);
  return out;
}

TEST(Session, AStaticModelIsCompiledBeforeItsFirstRunWithItsShapesFolded) {
  const ir::Graph graph = flatten_model(ir::Shape{2, 3, 4});
  const Session session(graph, "CPU");
  EXPECT_EQ(session.compiled_shapes(), (std::vector<std::vector<ir::Dims>>{{{2, 3, 4}}}));
  for (const hetero::Assignment& a : session.assignments()) {
    EXPECT_NE(a.op_type, "Shape") << "the shape chain is folded away";
    EXPECT_EQ(a.device, "CPU") << a.node << ": " << a.reason;
  }
  run(session, graph, {2, 3, 4});
  EXPECT_EQ(session.compiled_shapes().size(), 1u);
}

TEST(Session, EachNewShapeCompilesOnceAndTheLeastRecentlyUsedIsDropped) {
  const ir::Graph graph = flatten_model(ir::Shape{ir::Dim::named("batch"), 3, 4});
  const Session session(graph, "CPU");
  EXPECT_TRUE(session.compiled_shapes().empty()) << "nothing to compile before a shape is known";
  run(session, graph, {1, 3, 4});
  run(session, graph, {2, 3, 4});
  run(session, graph, {1, 3, 4});
  EXPECT_EQ(session.compiled_shapes(),
            (std::vector<std::vector<ir::Dims>>{{{1, 3, 4}}, {{2, 3, 4}}}));
  for (int64_t batch = 3; batch < static_cast<int64_t>(Session::kMaxCompiledShapes) + 3; ++batch)
    run(session, graph, {batch, 3, 4});
  const auto shapes = session.compiled_shapes();
  ASSERT_EQ(shapes.size(), Session::kMaxCompiledShapes);
  EXPECT_EQ(shapes.front(), (std::vector<ir::Dims>{{Session::kMaxCompiledShapes + 2, 3, 4}}));
  for (const auto& key : shapes) EXPECT_NE(key, (std::vector<ir::Dims>{{2, 3, 4}})) << "evicted";
  run(session, graph, {2, 3, 4});  // compiled again
  EXPECT_EQ(session.compiled_shapes().front(), (std::vector<ir::Dims>{{2, 3, 4}}));
}

TEST(Session, AShapeTheModelDoesNotTakeIsReportedByTheInputCheck) {
  const ir::Graph graph = flatten_model(ir::Shape{ir::Dim::named("batch"), 3, 4});
  const Session session(graph, "CPU");
  const std::map<std::string, ir::Value> feeds = {{"x", testing::random_tensor({2, 5, 4})}};
  try {
    session.run(feeds);
    FAIL() << "a [2,5,4] input ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(session.compiled_shapes().empty());
}

TEST(Session, RefRunsTheGraphAsGiven) {
  const ir::Graph graph = flatten_model(ir::Shape{2, 3, 4});
  const Session session(graph, "REF");
  EXPECT_TRUE(session.compiled_shapes().empty());
  bool saw_shape = false;
  for (const hetero::Assignment& a : session.assignments()) saw_shape |= a.op_type == "Shape";
  EXPECT_TRUE(saw_shape);
  run(session, graph, {2, 3, 4});
}

TEST(Session, HeteroGivesEachNodeToTheFirstDeviceInTheOrderGiven) {
  const ir::Graph graph = flatten_model(ir::Shape{2, 3, 4});
  const Session ref_first(graph, "HETERO:REF,CPU");
  for (const hetero::Assignment& a : ref_first.assignments()) {
    EXPECT_EQ(a.device, "REF") << a.node;
    EXPECT_EQ(a.reason, "REF comes before CPU in the device order") << a.node;
  }
  run(ref_first, graph, {2, 3, 4});
  const Session cpu_first(graph, "HETERO:CPU,REF");
  for (const hetero::Assignment& a : cpu_first.assignments())
    EXPECT_EQ(a.device, "CPU") << a.node << ": " << a.reason;
  run(cpu_first, graph, {2, 3, 4});
}

// A small classifier over [batch, 3, 8, 8], with a symbolic batch.
ir::Graph classifier(std::vector<ir::Node> tail = {}) {
  std::vector<ir::Node> nodes = {
      testing::make_node("Conv", {"x", "w"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
      testing::make_node("Relu", {"c"}, {"r"}),
      testing::make_node("GlobalAveragePool", {"r"}, {"p"}),
      testing::make_node("Flatten", {"p"}, {"f"}),
      testing::make_node("Gemm", {"f", "fc"}, {tail.empty() ? "y" : "g"},
                         {{"transB", int64_t{1}}})};
  nodes.insert(nodes.end(), tail.begin(), tail.end());
  auto g = testing::make_graph(
      std::move(nodes), {"x"}, {"y"},
      {{"w", testing::random_tensor({8, 3, 3, 3}, 2)}, {"fc", testing::random_tensor({10, 8}, 3)}});
  g->inputs[0].type =
      ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{ir::Dim::named("batch"), 3, 8, 8});
  return *g;
}

// Sets ZENITH_BATCH_SPLIT for a test's lifetime.
struct SplitChoice {
  explicit SplitChoice(const char* value) { setenv("ZENITH_BATCH_SPLIT", value, 1); }
  ~SplitChoice() { unsetenv("ZENITH_BATCH_SPLIT"); }
};

TEST(Session, ABatchSplitBetweenThreadsGivesTheWholeRunsOutputs) {
  const SplitChoice on("on");  // whatever the timing on a busy machine says
  const ir::Graph graph = classifier();
  const Session session(graph, "CPU", 2);
  for (int64_t batch : {8, 6, 2}) {
    const std::map<std::string, ir::Value> feeds = {
        {"x", testing::random_tensor({batch, 3, 8, 8}, static_cast<uint64_t>(batch))}};
    const std::vector<ir::Value> want = ref::Interpreter().run(graph, feeds);
    // Runs at once from two threads: one gets the chunks' threads, the other runs whole.
    std::vector<ir::Value> a, b;
    std::thread other([&] { session.run_into(feeds, b); });
    for (int i = 0; i < 3; ++i) session.run_into(feeds, a);
    other.join();
    testing::expect_outputs_near(a, want, 1e-4, 1e-5);
    testing::expect_outputs_near(b, want, 1e-4, 1e-5);
  }
  // Batches of 8 (4 chunks of 2) and 6 (2 of 3) split; 2 is one sample a thread.
  const auto split = session.split_shapes();
  EXPECT_EQ(split.size(), 2u);
  for (const auto& key : split) EXPECT_NE(key[0][0], 2);
}

TEST(Session, NoBatchSplitWhereSamplesMixOrItIsTurnedOff) {
  const SplitChoice on("on");
  // Each output row minus the batch's mean: the rows depend on each other.
  const ir::Graph mixing = classifier(
      {testing::make_node("ReduceMean", {"g"}, {"m"}, {{"axes", std::vector<int64_t>{0}}}),
       testing::make_node("Sub", {"g", "m"}, {"y"})});
  const Session session(mixing, "CPU", 2);
  const std::map<std::string, ir::Value> feeds = {{"x", testing::random_tensor({8, 3, 8, 8})}};
  testing::expect_outputs_near(session.run(feeds), ref::Interpreter().run(mixing, feeds), 1e-4,
                               1e-5);
  EXPECT_TRUE(session.split_shapes().empty());
  const SplitChoice off("off");
  const Session plain(classifier(), "CPU", 2);
  plain.run(feeds);
  EXPECT_TRUE(plain.split_shapes().empty());
}

}  // namespace
}  // namespace zenith::runtime
