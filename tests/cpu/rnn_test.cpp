// LSTM and GRU on the CPU device (oneDNN's RNN primitives, and for LSTM and linear-before-reset
// GRU our own kernel, whichever is faster: ctest runs the suites again with each fixed by
// ZENITH_CPU_RNN) against REF, and
// PyTorch's own nn.LSTM / nn.GRU exported to ONNX (tests/cpu/data/make_rnn_models.py).
#include <cstdlib>
#include <filesystem>

#include "cpu/differential.h"
#include "runtime/session.h"
#include "tools/npy.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using Attrs = std::map<std::string, ir::Attribute>;

constexpr int64_t kInput = 7, kHidden = 5;

// oneDNN computes the cells in f32 with its own exp and tanh, REF in double: over 9 steps the
// outputs (all within (-1, 1)) differ by up to a few 1e-7 here.
constexpr testing::CpuExpectation kRnn = {.rtol = 1e-4, .atol = 1e-5};

struct RnnCase {
  std::string op;  // "LSTM" or "GRU"
  std::string direction;
  int64_t seq, batch;
  bool initial_states;
  Attrs attrs = {};
  int64_t hidden = kHidden;
};

// The node with constant W, R, B and X (and initial states) fed at run time; outputs Y, Y_h
// (and Y_c).
void check_rnn(const RnnCase& c, testing::CpuExpectation expect = kRnn) {
  const bool lstm = c.op == "LSTM";
  const int64_t hidden = c.hidden;
  const int64_t gates = lstm ? 4 : 3, dirs = c.direction == "bidirectional" ? 2 : 1;
  Attrs attrs = c.attrs;
  attrs["hidden_size"] = hidden;
  attrs["direction"] = c.direction;
  std::vector<std::string> inputs = {"X", "W", "R", "B", "", c.initial_states ? "h0" : ""};
  std::vector<std::string> outputs = {"Y", "Y_h"};
  const bool batch_first = c.attrs.count("layout") && std::get<int64_t>(c.attrs.at("layout")) == 1;
  const ir::Dims x =
      batch_first ? ir::Dims{c.batch, c.seq, kInput} : ir::Dims{c.seq, c.batch, kInput};
  const ir::Dims state =
      batch_first ? ir::Dims{c.batch, dirs, hidden} : ir::Dims{dirs, c.batch, hidden};
  std::map<std::string, ir::Value> feeds = {{"X", random_tensor(x, 1)}};
  if (c.initial_states) feeds["h0"] = random_tensor(state, 5);
  if (lstm) {
    inputs.push_back(c.initial_states ? "c0" : "");
    outputs.push_back("Y_c");
    if (c.initial_states) feeds["c0"] = random_tensor(state, 6);
  }
  std::vector<std::string> graph_inputs = {"X"};
  if (c.initial_states) graph_inputs.push_back("h0");
  if (c.initial_states && lstm) graph_inputs.push_back("c0");
  auto g = make_graph({make_node(c.op, inputs, outputs, attrs)}, graph_inputs, outputs,
                      {{"W", random_tensor({dirs, gates * hidden, kInput}, 2)},
                       {"R", random_tensor({dirs, gates * hidden, hidden}, 3)},
                       {"B", random_tensor({dirs, 2 * gates * hidden}, 4)}});
  expect_cpu_matches_ref(*g, feeds, expect);
}

TEST(CpuRnn, LstmEveryDirectionSequenceAndBatch) {
  for (const char* direction : {"forward", "reverse", "bidirectional"})
    for (int64_t seq : {1, 9})
      for (int64_t batch : {1, 3})
        for (bool initial : {false, true}) {
          SCOPED_TRACE(
              fmt::format("{} seq {} batch {} initial states {}", direction, seq, batch, initial));
          check_rnn({"LSTM", direction, seq, batch, initial});
        }
}

// Our kernel works on panels of 16 hidden units and blocks of 4 batch rows: several whole
// panels and a partial one, and a partial row block, in both layouts.
TEST(CpuRnn, PanelsAndRowBlocks) {
  const Attrs gru = {{"linear_before_reset", int64_t{1}}};
  for (const char* direction : {"forward", "reverse", "bidirectional"})
    for (int64_t layout : {0, 1}) {
      SCOPED_TRACE(fmt::format("{} layout {}", direction, layout));
      check_rnn({"LSTM", direction, 6, 7, true, {{"layout", layout}}, 37});
      check_rnn({"GRU",
                 direction,
                 6,
                 7,
                 true,
                 {{"layout", layout}, {"linear_before_reset", int64_t{1}}},
                 37});
    }
  check_rnn({"LSTM", "forward", 3, 4, false, {}, 32});
  check_rnn({"GRU", "forward", 3, 4, false, gru, 32});
}

// ZENITH_CPU_RNN picks the LSTM and GRU kernel (else it is timed): the profile names the one that
// ran.
TEST(CpuRnn, RunsTheKernelAskedFor) {
  const char* asked = std::getenv("ZENITH_CPU_RNN");
  const std::string kernel = asked ? asked : "";
  for (const std::string op : {"LSTM", "GRU"}) {
    const int64_t gates = op == "LSTM" ? 4 : 3;
    Attrs attrs = {{"hidden_size", kHidden}};
    if (op == "GRU") attrs["linear_before_reset"] = int64_t{1};
    auto g = make_graph({make_node(op, {"X", "W", "R"}, {"Y"}, attrs)}, {"X"}, {"Y"},
                        {{"W", random_tensor({1, gates * kHidden, kInput}, 2)},
                         {"R", random_tensor({1, gates * kHidden, kHidden}, 3)}});
    const runtime::Plan plan(*g, {"CPU"});
    std::vector<runtime::StepProfile> steps;
    plan.run({{"X", random_tensor({4, 2, kInput}, 1)}}, 0, &steps);
    ASSERT_EQ(steps.size(), 1u);
    const std::string& ran = steps[0].implementation;
    const std::string own_name = op == "LSTM" ? "zenith:lstm" : "zenith:gru";
    const bool own = ran.find(own_name) != std::string::npos;
    // The profile names the run's kernels only, not those of the timing when the layer was built.
    EXPECT_EQ(ran.find(own_name), ran.rfind(own_name)) << op << ": " << ran;
    if (kernel == "zenith") {
      EXPECT_TRUE(own) << op << ": " << ran;
    } else if (kernel == "onednn") {
      EXPECT_FALSE(own) << op << ": " << ran;
    }
    // Timed: either, but ours runs oneDNN's matmul for the input and nothing else of oneDNN's.
    if (own) {
      EXPECT_EQ(ran.find("ref"), std::string::npos) << op << ": " << ran;
    }
  }
}

TEST(CpuRnn, GruBothResetOrdersEveryDirectionSequenceAndBatch) {
  for (int64_t linear_before_reset : {0, 1})
    for (const char* direction : {"forward", "reverse", "bidirectional"})
      for (int64_t seq : {1, 9})
        for (int64_t batch : {1, 3}) {
          const bool initial = batch == 3;
          SCOPED_TRACE(fmt::format("linear_before_reset {} {} seq {} batch {}", linear_before_reset,
                                   direction, seq, batch));
          check_rnn({"GRU",
                     direction,
                     seq,
                     batch,
                     initial,
                     {{"linear_before_reset", linear_before_reset}}});
        }
}

TEST(CpuRnn, BatchFirstLayout) {
  for (const char* direction : {"forward", "bidirectional"})
    for (int64_t batch : {1, 3}) {
      SCOPED_TRACE(fmt::format("{} batch {}", direction, batch));
      check_rnn({"LSTM", direction, 9, batch, true, {{"layout", int64_t{1}}}});
      check_rnn({"GRU",
                 direction,
                 9,
                 batch,
                 true,
                 {{"layout", int64_t{1}}, {"linear_before_reset", int64_t{1}}}});
    }
  check_rnn({"GRU", "reverse", 4, 3, false, {{"layout", int64_t{1}}}});
}

TEST(CpuRnn, DefaultActivationsSpelledOutRunOnCpu) {
  check_rnn({"LSTM",
             "bidirectional",
             4,
             2,
             true,
             {{"activations",
               std::vector<std::string>{"Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"}}}});
}

TEST(CpuRnn, WhatOneDnnLacksRunsOnRefWithAReason) {
  const testing::CpuExpectation on_ref = {.rtol = 1e-4, .atol = 1e-5, .on_cpu = false};
  check_rnn({"LSTM", "forward", 3, 2, false, {{"clip", 0.5f}}}, on_ref);
  check_rnn(
      {"GRU", "forward", 3, 2, false, {{"activations", std::vector<std::string>{"Relu", "Tanh"}}}},
      on_ref);
  check_rnn({"LSTM", "forward", 3, 2, false, {{"input_forget", int64_t{1}}}}, on_ref);

  // Sequences shorter than the input: oneDNN would run them to the end.
  auto g =
      make_graph({make_node("GRU", {"X", "W", "R", "", "lens"}, {"Y"}, {{"hidden_size", kHidden}})},
                 {"X"}, {"Y"},
                 {{"W", random_tensor({1, 3 * kHidden, kInput}, 2)},
                  {"R", random_tensor({1, 3 * kHidden, kHidden}, 3)},
                  {"lens", ir::Tensor(ir::DType::I32, {2})}});
  g->initializers.at("lens").data<int32_t>()[0] = 4;
  g->initializers.at("lens").data<int32_t>()[1] = 2;
  expect_cpu_matches_ref(*g, {{"X", random_tensor({4, 2, kInput}, 1)}}, on_ref);
  const runtime::Plan plan(*g, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments().at(0).device, "REF");
  EXPECT_NE(plan.assignments().at(0).reason.find("sequence_lens"), std::string::npos);
  // Equal lengths shorter than X are seen at run time: the step falls back to REF.
  std::fill_n(g->initializers.at("lens").data<int32_t>(), 2, 3);
  const runtime::Plan short_plan(*g, {"CPU", "REF"});
  EXPECT_EQ(short_plan.assignments().at(0).device, "CPU");
  expect_cpu_matches_ref(*g, {{"X", random_tensor({4, 2, kInput}, 1)}}, on_ref);
  short_plan.run({{"X", random_tensor({4, 2, kInput}, 1)}}, 0);
  EXPECT_EQ(short_plan.ref_fallbacks(), 1u);

  auto peep = make_graph(
      {make_node("LSTM", {"X", "W", "R", "", "", "", "", "P"}, {"Y"}, {{"hidden_size", kHidden}})},
      {"X"}, {"Y"},
      {{"W", random_tensor({1, 4 * kHidden, kInput}, 2)},
       {"R", random_tensor({1, 4 * kHidden, kHidden}, 3)},
       {"P", random_tensor({1, 3 * kHidden}, 4)}});
  const runtime::Plan peep_plan(*peep, {"CPU", "REF"});
  EXPECT_EQ(peep_plan.assignments().at(0).device, "REF");
  EXPECT_NE(peep_plan.assignments().at(0).reason.find("peephole"), std::string::npos)
      << peep_plan.assignments().at(0).reason;
}

TEST(CpuRnn, AllSequencesFullLengthRunOnCpu) {
  auto g = make_graph(
      {make_node("LSTM", {"X", "W", "R", "", "lens"}, {"Y"}, {{"hidden_size", kHidden}})}, {"X"},
      {"Y"},
      {{"W", random_tensor({1, 4 * kHidden, kInput}, 2)},
       {"R", random_tensor({1, 4 * kHidden, kHidden}, 3)},
       {"lens", ir::Tensor(ir::DType::I32, {3})}});
  std::fill_n(g->initializers.at("lens").data<int32_t>(), 3, 5);
  expect_cpu_matches_ref(*g, {{"X", random_tensor({5, 3, kInput}, 1)}}, kRnn);
}

// PyTorch's modules exported with opset 13: a bidirectional LSTM and a two-layer GRU (PyTorch's
// GRU is ONNX's linear_before_reset=1), sequence 9, batch 3, input 7, hidden 5.
class CpuRnnVsPyTorch : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuRnnVsPyTorch, MatchesPyTorchOutputs) {
  const auto dir = std::filesystem::path(ZENITH_SOURCE_DIR) / "tests/cpu/data";
  const ir::Graph graph = runtime::load_graph(dir / (GetParam() + ".onnx"));
  const runtime::Plan plan(graph, {"CPU", "REF"});
  int rnn_nodes = 0;
  for (const hetero::Assignment& a : plan.assignments())
    if (a.op_type == "LSTM" || a.op_type == "GRU") {
      ++rnn_nodes;
      EXPECT_EQ(a.device, "CPU") << a.node << ": " << a.reason;
    }
  EXPECT_GT(rnn_nodes, 0);
  const ir::Tensor x = tools::read_npy(dir / (GetParam() + "_input.npy"));
  const auto outputs = plan.run({{graph.inputs[0].name, x}}, 0);
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
  std::vector<ir::Value> expected;
  for (size_t k = 0; k < outputs.size(); ++k)
    expected.emplace_back(tools::read_npy(dir / fmt::format("{}_output_{}.npy", GetParam(), k)));
  // PyTorch computes in f32 too; its kernels order the sums differently.
  testing::expect_outputs_near(outputs, expected, 1e-4, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Cpu, CpuRnnVsPyTorch,
                         ::testing::Values("lstm_bidirectional", "gru_two_layers"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace zenith
