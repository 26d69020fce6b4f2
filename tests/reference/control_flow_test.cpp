// If, Loop and Scan on the REF interpreter.
#include <gtest/gtest.h>

#include "reference/graph_builder.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::make_tensor;
using testing::run_graph;
using testing::values_of;

// If whose branches read the outer value "x": then gives x, else gives a constant.
ir::GraphPtr if_graph_branch(bool then_branch) {
  if (then_branch) return make_graph({make_node("Identity", {"x"}, {"t_out"})}, {}, {"t_out"});
  return make_graph({}, {}, {"e_out"}, {{"e_out", make_tensor<float>({1}, {-1.0f})}});
}

std::vector<ir::Value> run_if(const ir::Tensor& cond) {
  auto graph = make_graph({make_node("If", {"cond"}, {"y"},
                                     {{"then_branch", if_graph_branch(true)},
                                      {"else_branch", if_graph_branch(false)}})},
                          {"cond", "x"}, {"y"});
  return run_graph(*graph, {{"cond", cond}, {"x", make_tensor<float>({2}, {3.0f, 4.0f})}});
}

TEST(RefIf, TakesTheBranchTheConditionSelectsAndSeesOuterValues) {
  EXPECT_EQ(values_of<float>(run_if(ir::Tensor::scalar(true))[0].tensor()),
            (std::vector<float>{3.0f, 4.0f}));
  EXPECT_EQ(values_of<float>(run_if(ir::Tensor::scalar(false))[0].tensor()),
            (std::vector<float>{-1.0f}));
}

TEST(RefIf, RejectsANonBoolCondition) {
  try {
    run_if(ir::Tensor::scalar<int64_t>(1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'cond'"), std::string::npos) << e.what();
  }
}

// Loop over (iter, cond, seq): appends the iteration number to the carried sequence and emits it
// as a scan output; the body's condition output is `body_cond`.
std::vector<ir::Value> run_loop(const ir::Tensor& trip_count, const ir::Tensor& cond,
                                bool body_cond) {
  auto body = make_graph({make_node("SequenceInsert", {"seq_in", "iter"}, {"seq_out"}),
                          make_node("Identity", {"iter"}, {"scan_out"})},
                         {"iter", "cond_in", "seq_in"}, {"cond_out", "seq_out", "scan_out"},
                         {{"cond_out", ir::Tensor::scalar(body_cond)}},
                         {{"scan_out", ir::TypeInfo::tensor(ir::DType::I64, ir::Shape{})}});
  auto graph = make_graph(
      {make_node("SequenceEmpty", {}, {"empty"}, {{"dtype", int64_t{7}}}),
       make_node("Loop", {trip_count.defined() ? "m" : "", cond.defined() ? "c" : "", "empty"},
                 {"final", "scans"}, {{"body", ir::GraphPtr(body)}})},
      {}, {"final", "scans"});
  std::map<std::string, ir::Value> feeds;
  if (trip_count.defined()) {
    graph->inputs.push_back({"m", {}});
    feeds["m"] = trip_count;
  }
  if (cond.defined()) {
    graph->inputs.push_back({"c", {}});
    feeds["c"] = cond;
  }
  return run_graph(*graph, feeds);
}

TEST(RefLoop, CarriesASequenceAndStacksScanOutputs) {
  // Without a cond input the body's (false) condition output is ignored.
  auto out = run_loop(ir::Tensor::scalar<int64_t>(3), ir::Tensor(), false);
  const ir::TensorSequence& seq = out[0].sequence();
  ASSERT_EQ(seq.items.size(), 3u);
  EXPECT_EQ(seq.items[2].as_int64(0), 2);
  EXPECT_EQ(out[1].tensor().dims(), (ir::Dims{3}));
  EXPECT_EQ(values_of<int64_t>(out[1].tensor()), (std::vector<int64_t>{0, 1, 2}));
}

TEST(RefLoop, StopsWhenTheBodyConditionTurnsFalse) {
  auto out = run_loop(ir::Tensor(), ir::Tensor::scalar(true), false);
  EXPECT_EQ(out[0].sequence().items.size(), 1u);
}

TEST(RefLoop, ZeroIterationsGiveEmptyScanOutputsOfTheDeclaredType) {
  auto out = run_loop(ir::Tensor::scalar<int64_t>(5), ir::Tensor::scalar(false), true);
  EXPECT_TRUE(out[0].sequence().items.empty());
  EXPECT_EQ(out[1].tensor().dtype(), ir::DType::I64);
  EXPECT_EQ(out[1].tensor().dims(), (ir::Dims{0}));
}

TEST(RefLoop, RejectsANonScalarTripCount) {
  try {
    run_loop(make_tensor<int64_t>({2}, {1, 2}), ir::Tensor(), true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'M'"), std::string::npos) << e.what();
  }
}

// Scan with one state (running sum) and one scan input read along `axis` in `direction`; the
// scan output (each slice) is stacked along output axis 1.
std::vector<ir::Value> run_scan(const ir::Tensor& x, int64_t num_scan_inputs) {
  auto body = make_graph({make_node("Add", {"sum_in", "slice"}, {"sum_out"}),
                          make_node("Identity", {"slice"}, {"scan_out"})},
                         {"sum_in", "slice"}, {"sum_out", "scan_out"});
  auto graph = make_graph({make_node("Scan", {"init", "x"}, {"sum", "stacked"},
                                     {{"body", ir::GraphPtr(body)},
                                      {"num_scan_inputs", num_scan_inputs},
                                      {"scan_input_directions", std::vector<int64_t>{1}},
                                      {"scan_output_axes", std::vector<int64_t>{-1}}})},
                          {"init", "x"}, {"sum", "stacked"});
  return run_graph(*graph, {{"init", make_tensor<float>({2}, {0.0f, 0.0f})}, {"x", x}});
}

TEST(RefScan, ReadsInReverseAndStacksAlongTheOutputAxis) {
  auto out = run_scan(make_tensor<float>({3, 2}, {0, 1, 2, 3, 4, 5}), 1);
  EXPECT_EQ(values_of<float>(out[0].tensor()), (std::vector<float>{6, 9}));
  // Slices in reverse order ([4,5], [2,3], [0,1]) stacked along the last axis.
  EXPECT_EQ(out[1].tensor().dims(), (ir::Dims{2, 3}));
  EXPECT_EQ(values_of<float>(out[1].tensor()), (std::vector<float>{4, 2, 0, 5, 3, 1}));
}

TEST(RefScan, RejectsMoreScanInputsThanInputs) {
  try {
    run_scan(make_tensor<float>({3, 2}, {0, 1, 2, 3, 4, 5}), 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidModel);
    EXPECT_NE(std::string(e.what()).find("num_scan_inputs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zenith
