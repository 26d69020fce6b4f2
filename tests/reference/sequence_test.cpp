// Sequence and optional ops on the REF interpreter.
#include <gtest/gtest.h>

#include "reference/graph_builder.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::make_tensor;
using testing::run_graph;
using testing::run_node;
using testing::values_of;

ir::TensorSequence sequence_of(std::vector<ir::Tensor> items) {
  ir::TensorSequence seq;
  seq.elem_dtype = items.empty() ? ir::DType::F32 : items[0].dtype();
  seq.items = std::move(items);
  return seq;
}

// Runs one node whose input 0 is the sequence `seq` and whose other inputs are `tensors`.
std::vector<ir::Value> run_on_sequence(const std::string& op, const ir::TensorSequence& seq,
                                       std::vector<ir::Tensor> tensors,
                                       std::map<std::string, ir::Attribute> attrs = {}) {
  std::vector<std::string> inputs{"seq"};
  std::map<std::string, ir::Value> feeds{{"seq", seq}};
  for (size_t i = 0; i < tensors.size(); ++i) {
    inputs.push_back(tensors[i].defined() ? "t" + std::to_string(i) : "");
    if (tensors[i].defined()) feeds[inputs.back()] = tensors[i];
  }
  std::vector<std::string> graph_inputs;
  for (const auto& [name, value] : feeds) graph_inputs.push_back(name);
  auto graph =
      make_graph({make_node(op, inputs, {"out"}, std::move(attrs))}, graph_inputs, {"out"});
  return run_graph(*graph, feeds);
}

TEST(RefSequence, InsertHonoursNegativePositionsAndDefaultsToTheBack) {
  const auto seq = sequence_of({make_tensor<float>({1}, {1}), make_tensor<float>({1}, {2})});
  auto front = run_on_sequence("SequenceInsert", seq,
                               {make_tensor<float>({1}, {9}), ir::Tensor::scalar<int64_t>(-2)});
  EXPECT_EQ(front[0].sequence().items[0].data<float>()[0], 9.0f);
  auto back = run_on_sequence("SequenceInsert", seq, {make_tensor<float>({1}, {9})});
  ASSERT_EQ(back[0].sequence().items.size(), 3u);
  EXPECT_EQ(back[0].sequence().items[2].data<float>()[0], 9.0f);
}

TEST(RefSequence, AtEraseAndLength) {
  const auto seq = sequence_of(
      {make_tensor<float>({1}, {1}), make_tensor<float>({1}, {2}), make_tensor<float>({1}, {3})});
  auto at = run_on_sequence("SequenceAt", seq, {ir::Tensor::scalar<int32_t>(-1)});
  EXPECT_EQ(at[0].tensor().data<float>()[0], 3.0f);
  auto erased = run_on_sequence("SequenceErase", seq, {ir::Tensor::scalar<int64_t>(0)});
  ASSERT_EQ(erased[0].sequence().items.size(), 2u);
  EXPECT_EQ(erased[0].sequence().items[0].data<float>()[0], 2.0f);
  auto length = run_on_sequence("SequenceLength", seq, {});
  EXPECT_EQ(length[0].tensor().as_int64(0), 3);
}

TEST(RefSequence, AtRejectsAPositionOutOfRange) {
  try {
    run_on_sequence("SequenceAt", sequence_of({make_tensor<float>({1}, {1})}),
                    {ir::Tensor::scalar<int64_t>(1)});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("'position' is 1, expected -1 to 0"), std::string::npos)
        << e.what();
  }
}

TEST(RefSequence, InsertRejectsATensorOfAnotherDtype) {
  try {
    run_on_sequence("SequenceInsert", sequence_of({make_tensor<float>({1}, {1})}),
                    {make_tensor<int64_t>({1}, {1})});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("dtype i64"), std::string::npos) << e.what();
  }
}

TEST(RefSequence, SplitWithAScalarSizeLeavesAShorterLastPiece) {
  auto graph =
      make_graph({make_node("SplitToSequence", {"x", "split"}, {"seq"}, {{"axis", int64_t{1}}})},
                 {"x", "split"}, {"seq"});
  auto out = run_graph(*graph, {{"x", make_tensor<float>({1, 5}, {0, 1, 2, 3, 4})},
                                {"split", ir::Tensor::scalar<int64_t>(2)}});
  const auto& items = out[0].sequence().items;
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1].dims(), (ir::Dims{1, 2}));
  EXPECT_EQ(values_of<float>(items[1]), (std::vector<float>{2, 3}));
  EXPECT_EQ(items[2].dims(), (ir::Dims{1, 1}));
}

TEST(RefSequence, SplitWithoutSizesAndConcatWithANewAxisRoundTrip) {
  auto graph = make_graph({make_node("SplitToSequence", {"x"}, {"seq"},
                                     {{"axis", int64_t{-1}}, {"keepdims", int64_t{0}}}),
                           make_node("ConcatFromSequence", {"seq"}, {"y"},
                                     {{"axis", int64_t{-1}}, {"new_axis", int64_t{1}}}),
                           make_node("ConcatFromSequence", {"seq"}, {"z"}, {{"axis", int64_t{0}}})},
                          {"x"}, {"seq", "y", "z"});
  auto out = run_graph(*graph, {{"x", make_tensor<float>({2, 3}, {0, 1, 2, 3, 4, 5})}});
  ASSERT_EQ(out[0].sequence().items.size(), 3u);
  EXPECT_EQ(out[0].sequence().items[0].dims(), (ir::Dims{2}));
  EXPECT_EQ(out[1].tensor().dims(), (ir::Dims{2, 3}));
  EXPECT_EQ(values_of<float>(out[1].tensor()), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(values_of<float>(out[2].tensor()), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(RefSequence, SplitRejectsSizesThatDoNotCoverTheAxis) {
  try {
    run_node("SplitToSequence",
             {make_tensor<float>({4}, {0, 1, 2, 3}), make_tensor<int64_t>({2}, {1, 2})});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("sums to 3"), std::string::npos) << e.what();
  }
}

TEST(RefSequenceMap, PairsSequenceItemsAndPassesTensorsWhole) {
  auto body = make_graph(
      {make_node("Add", {"item", "other"}, {"sum"}), make_node("Identity", {"bias"}, {"copy"})},
      {"item", "other", "bias"}, {"sum", "copy"});
  auto graph = make_graph({make_node("SequenceMap", {"a", "b", "bias"}, {"sums", "copies"},
                                     {{"body", ir::GraphPtr(body)}})},
                          {"a", "b", "bias"}, {"sums", "copies"});
  auto out = run_graph(
      *graph, {{"a", sequence_of({make_tensor<float>({1}, {1}), make_tensor<float>({2}, {2, 3})})},
               {"b", sequence_of({make_tensor<float>({1}, {10}), make_tensor<float>({1}, {20})})},
               {"bias", make_tensor<float>({1}, {7})}});
  const auto& sums = out[0].sequence().items;
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(values_of<float>(sums[1]), (std::vector<float>{22, 23}));
  EXPECT_EQ(values_of<float>(out[1].sequence().items[1]), (std::vector<float>{7}));
}

TEST(RefSequenceMap, RejectsSequencesOfDifferentLengths) {
  auto body = make_graph({make_node("Identity", {"item"}, {"y"})}, {"item", "other"}, {"y"});
  auto graph =
      make_graph({make_node("SequenceMap", {"a", "b"}, {"ys"}, {{"body", ir::GraphPtr(body)}})},
                 {"a", "b"}, {"ys"});
  try {
    run_graph(*graph, {{"a", sequence_of({make_tensor<float>({1}, {1})})}, {"b", sequence_of({})}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("sequence of 0 tensors"), std::string::npos) << e.what();
  }
}

TEST(RefOptional, WrapsUnwrapsAndReportsPresence) {
  auto graph =
      make_graph({make_node("Optional", {}, {"none"}), make_node("Optional", {"x"}, {"some"}),
                  make_node("OptionalHasElement", {"none"}, {"has_none"}),
                  make_node("OptionalHasElement", {"some"}, {"has_some"}),
                  make_node("OptionalHasElement", {""}, {"has_absent"}),
                  make_node("OptionalGetElement", {"some"}, {"x_back"})},
                 {"x"}, {"none", "has_none", "has_some", "has_absent", "x_back"});
  auto out = run_graph(*graph, {{"x", make_tensor<float>({1}, {5})}});
  EXPECT_TRUE(out[0].is_none());
  EXPECT_FALSE(*out[1].tensor().data<bool>());
  EXPECT_TRUE(*out[2].tensor().data<bool>());
  EXPECT_FALSE(*out[3].tensor().data<bool>());
  EXPECT_EQ(out[4].tensor().data<float>()[0], 5.0f);
}

TEST(RefOptional, GetElementOfAnEmptyOptionalFails) {
  auto graph = make_graph(
      {make_node("Optional", {}, {"none"}), make_node("OptionalGetElement", {"none"}, {"y"})}, {},
      {"y"});
  try {
    run_graph(*graph, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("empty optional"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zenith
