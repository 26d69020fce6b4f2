// A session compiles one plan per input shapes, with the shape computations folded, and keeps the
// most recently used ones.
#include "runtime/session.h"

#include <gtest/gtest.h>

#include "devices/reference/interpreter.h"
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

}  // namespace
}  // namespace zenith::runtime
