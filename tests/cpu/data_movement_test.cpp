// Gather, Slice, Split, Squeeze / Unsqueeze, Concat, Expand, Tile, Pad, ConstantOfShape and
// Shape on the CPU device against REF: every dtype they move, negative axes and indices, odd and
// empty sizes, broadcasting, blocked inputs; each test fails if a node runs on REF.
#include "cpu/inputs.h"
#include "devices/cpu/channel_block.h"

namespace zenith {
namespace {

using testing::after_conv;
using testing::as_dtype;
using testing::expect_cpu_error;
using testing::expect_cpu_matches_ref;
using testing::ints;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using testing::tensor_of;

const auto& kDtypes = testing::kMovedDtypes;

TEST(CpuGather, EveryAxisDtypeAndNegativeIndices) {
  const ir::Tensor data = random_tensor({3, 5, 7}, 1);
  for (ir::DType dtype : kDtypes)
    for (int64_t axis : {0, 1, -1}) {
      SCOPED_TRACE(::testing::Message() << ir::dtype_name(dtype) << " axis " << axis);
      auto g =
          make_graph({make_node("Gather", {"D", "I"}, {"Y"}, {{"axis", axis}})}, {"D", "I"}, {"Y"});
      expect_cpu_matches_ref(
          *g, {{"D", as_dtype(data, dtype)}, {"I", tensor_of<int64_t>({2, 2}, {0, -1, 2, -3})}});
      expect_cpu_matches_ref(
          *g, {{"D", as_dtype(data, dtype)}, {"I", tensor_of<int32_t>({3}, {1, 0, -2})}});
      expect_cpu_matches_ref(*g,
                             {{"D", as_dtype(data, dtype)}, {"I", tensor_of<int64_t>({}, {2})}});
      expect_cpu_matches_ref(*g,
                             {{"D", as_dtype(data, dtype)}, {"I", tensor_of<int64_t>({0}, {})}});
    }
}

TEST(CpuGather, ChannelsOfABlockedTensor) {
  const auto g = after_conv({make_node("Gather", {"c", "I"}, {"Y"}, {{"axis", int64_t{1}}})},
                            {{"I", tensor_of<int32_t>({3}, {5, -1, 0})}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 16, 5, 7}, 1)}}, testing::kWinograd);
}

TEST(CpuGather, EmbeddingLookupOfAConstantTable) {
  // A [1000, 64] table and [batch, tokens] ids: large enough to run on several threads.
  auto g = make_graph({make_node("Gather", {"table", "ids"}, {"Y"})}, {"ids"}, {"Y"},
                      {{"table", random_tensor({1000, 64}, 3)}});
  for (int64_t batch : {1, 3}) {
    ir::Tensor ids(ir::DType::I64, {batch, 997});
    for (int64_t i = 0; i < ids.numel(); ++i)
      ids.data<int64_t>()[i] = (i * 7919) % 1000 - (i % 2 ? 1000 : 0);
    expect_cpu_matches_ref(*g, {{"ids", ids}}, {.rtol = 0, .atol = 0});
  }
}

TEST(CpuGather, OutOfRangeIndexNamesTheNode) {
  auto g = make_graph({make_node("Gather", {"table", "ids"}, {"Y"})}, {"ids"}, {"Y"},
                      {{"table", random_tensor({10, 4}, 3)}});
  expect_cpu_error(*g, {{"ids", tensor_of<int64_t>({3}, {1, 10, 2})}},
                   {"n_Gather", "input 'indices' holds index 10, out of range [-10, 9]"});
}

TEST(CpuGather, ElementsAlongEachAxis) {
  for (int64_t axis : {0, -1}) {
    auto g = make_graph({make_node("GatherElements", {"D", "I"}, {"Y"}, {{"axis", axis}})},
                        {"D", "I"}, {"Y"});
    ir::Tensor indices(ir::DType::I64, {2, 3});
    for (int64_t i = 0; i < indices.numel(); ++i) indices.data<int64_t>()[i] = i % 3 - 1;
    expect_cpu_matches_ref(*g, {{"D", random_tensor({3, 4}, 1)}, {"I", indices}});
    expect_cpu_matches_ref(
        *g, {{"D", as_dtype(random_tensor({3, 4}, 1), ir::DType::I64)}, {"I", indices}});
  }
}

TEST(CpuSlice, NegativeClampedAndSteppedWindows) {
  auto g = make_graph({make_node("Slice", {"X", "starts", "ends", "axes", "steps"}, {"Y"})}, {"X"},
                      {"Y"},
                      {{"starts", ints({-2, 100, 1})},
                       {"ends", ints({-100, -100, 1000})},
                       {"axes", ints({-1, 1, 0})},
                       {"steps", ints({-1, -3, 2})}});
  for (ir::DType dtype : kDtypes)
    for (int64_t batch : {1, 4}) {
      SCOPED_TRACE(::testing::Message() << ir::dtype_name(dtype) << " batch " << batch);
      expect_cpu_matches_ref(*g, {{"X", as_dtype(random_tensor({batch, 7, 9}, 1), dtype)}},
                             {.rtol = 0, .atol = 0});
    }
  // Default axes and steps; an empty window.
  auto plain = make_graph({make_node("Slice", {"X", "starts", "ends"}, {"Y"})}, {"X"}, {"Y"},
                          {{"starts", ints({1, 0})}, {"ends", ints({3, -1})}});
  expect_cpu_matches_ref(*plain, {{"X", random_tensor({5, 6, 3}, 1)}});
  auto empty = make_graph({make_node("Slice", {"X", "starts", "ends"}, {"Y"})}, {"X"}, {"Y"},
                          {{"starts", ints({3})}, {"ends", ints({1})}});
  expect_cpu_matches_ref(*empty, {{"X", random_tensor({5, 6}, 1)}});
}

TEST(CpuSlice, ChannelsOfABlockedTensor) {
  const auto g = after_conv({make_node("Slice", {"c", "starts", "ends", "axes"}, {"Y"})},
                            {{"starts", ints({3})}, {"ends", ints({29})}, {"axes", ints({1})}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 16, 5, 7}, 1)}}, testing::kWinograd);
}

// A window of the map of a convolution's output (in channel blocks, 20 channels padded to whole
// blocks), stepped and from the end, stays in blocks: one strided copy, no reorder either side.
TEST(CpuSlice, MapOfABlockedTensorStaysInBlocks) {
  const auto g = make_graph(
      {make_node("Conv", {"X", "W"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
       make_node("Slice", {"c", "starts", "ends", "axes", "steps"}, {"Y"})},
      {"X"}, {"Y"},
      {{"W", random_tensor({20, 16, 3, 3}, 2)},
       {"starts", ints({1, -8})},
       {"ends", ints({8, 100})},
       {"axes", ints({2, 3})},
       {"steps", ints({2, 3})}});
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({2, 16, 9, 11}, 1)}};
  expect_cpu_matches_ref(*g, feeds, testing::kWinograd);
  std::vector<runtime::StepProfile> steps;
  runtime::Plan(*g, {"CPU", "REF"}).run(feeds, 0, &steps);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[1].implementation, "zenith:slice_blocked");
  EXPECT_EQ(steps[1].layout, steps[0].layout);
}

TEST(CpuSplit, GivenAndEqualSizes) {
  auto given =
      make_graph({make_node("Split", {"X", "split"}, {"A", "B", "C"}, {{"axis", int64_t{-1}}})},
                 {"X"}, {"A", "B", "C"}, {{"split", ints({2, 0, 5})}});
  auto equal = make_graph({make_node("Split", {"X"}, {"A", "B", "C"}, {{"axis", int64_t{1}}})},
                          {"X"}, {"A", "B", "C"});
  // An unnamed part is not stored.
  auto unnamed = make_graph({make_node("Split", {"X"}, {"A", "", "C"}, {{"axis", int64_t{0}}})},
                            {"X"}, {"A", "C"});
  expect_cpu_matches_ref(*unnamed, {{"X", random_tensor({7, 2}, 1)}});
  for (ir::DType dtype : kDtypes) {
    expect_cpu_matches_ref(*given, {{"X", as_dtype(random_tensor({3, 5, 7}, 1), dtype)}});
    expect_cpu_matches_ref(*equal, {{"X", as_dtype(random_tensor({2, 8, 3}, 1), dtype)}});
  }
}

// Along the channels of a convolution's output (in channel blocks): into whole blocks each part
// stays in blocks, one copy per image and part; parts off the blocks take the plain split.
TEST(CpuSplit, ChannelsOfABlockedTensor) {
  for (const std::vector<int64_t>& sizes : {std::vector<int64_t>{16, 16}, {8, 8, 16}}) {
    std::vector<std::string> parts;
    for (size_t p = 0; p < sizes.size(); ++p) parts.push_back("P" + std::to_string(p));
    const auto g = make_graph(
        {make_node("Conv", {"X", "W"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
         make_node("Split", {"c", "split"}, parts, {{"axis", int64_t{1}}})},
        {"X"}, parts, {{"W", random_tensor({32, 16, 3, 3}, 2)}, {"split", ints(sizes)}});
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({3, 16, 5, 7}, 1)}};
    expect_cpu_matches_ref(*g, feeds, testing::kWinograd);
    std::vector<runtime::StepProfile> steps;
    runtime::Plan(*g, {"CPU", "REF"}).run(feeds, 0, &steps);
    ASSERT_EQ(steps.size(), 2u);
    const bool whole = sizes[0] % cpu::channel_block() == 0;
    EXPECT_EQ(steps[1].implementation == "zenith:split_blocked", whole) << steps[1].implementation;
  }
}

TEST(CpuSqueeze, ViewsOfAnyDtype) {
  auto squeeze = make_graph({make_node("Squeeze", {"X", "axes"}, {"Y"})}, {"X"}, {"Y"},
                            {{"axes", ints({-1, 1})}});
  auto all = make_graph({make_node("Squeeze", {"X"}, {"Y"})}, {"X"}, {"Y"});
  auto unsqueeze = make_graph({make_node("Unsqueeze", {"X", "axes"}, {"Y"})}, {"X"}, {"Y"},
                              {{"axes", ints({0, -1})}});
  for (ir::DType dtype : kDtypes) {
    const ir::Tensor x = as_dtype(random_tensor({3, 1, 5, 1}, 1), dtype);
    expect_cpu_matches_ref(*squeeze, {{"X", x}});
    expect_cpu_matches_ref(*all, {{"X", x}});
    expect_cpu_matches_ref(*unsqueeze, {{"X", x}});
  }
}

TEST(CpuConcat, EveryDtypeAndAxis) {
  for (ir::DType dtype : kDtypes)
    for (int64_t axis : {0, 1, -1}) {
      SCOPED_TRACE(::testing::Message() << ir::dtype_name(dtype) << " axis " << axis);
      auto g = make_graph({make_node("Concat", {"A", "B", "C"}, {"Y"}, {{"axis", axis}})},
                          {"A", "B", "C"}, {"Y"});
      ir::Dims a = {3, 4, 5}, b = a, c = a;
      b[static_cast<size_t>(axis < 0 ? axis + 3 : axis)] = 1;
      c[static_cast<size_t>(axis < 0 ? axis + 3 : axis)] = 0;
      expect_cpu_matches_ref(*g, {{"A", as_dtype(random_tensor(a, 1), dtype)},
                                  {"B", as_dtype(random_tensor(b, 2), dtype)},
                                  {"C", as_dtype(random_tensor(c, 3), dtype)}});
    }
  // 1-D i64 shape pieces, as shape subgraphs build them.
  auto shape = make_graph({make_node("Concat", {"A", "B"}, {"Y"}, {{"axis", int64_t{0}}})}, {"A"},
                          {"Y"}, {{"B", ints({-1, 64})}});
  expect_cpu_matches_ref(*shape, {{"A", ints({2})}});
}

TEST(CpuConcat, MismatchedInputsGiveRefsError) {
  auto g = make_graph({make_node("Concat", {"A", "B"}, {"Y"}, {{"axis", int64_t{0}}})}, {"A", "B"},
                      {"Y"});
  expect_cpu_error(*g, {{"A", ints({1, 2})}, {"B", tensor_of<int32_t>({1}, {3})}},
                   {"n_Concat", "input 1 is i32[1], incompatible with input 0 i64[2]"});
}

TEST(CpuExpand, BroadcastsOfAnyDtype) {
  auto g = make_graph({make_node("Expand", {"X", "shape"}, {"Y"})}, {"X"}, {"Y"},
                      {{"shape", ints({2, 1, 3, 5})}});
  for (ir::DType dtype : kDtypes) {
    expect_cpu_matches_ref(*g, {{"X", as_dtype(random_tensor({4, 1, 5}, 1), dtype)}});
    expect_cpu_matches_ref(*g, {{"X", as_dtype(random_tensor({1}, 1), dtype)}});
  }
  // Large enough to spread over threads: a [1, 1, 1000] row repeated.
  auto big = make_graph({make_node("Expand", {"X", "shape"}, {"Y"})}, {"X"}, {"Y"},
                        {{"shape", ints({3, 70, 1})}});
  expect_cpu_matches_ref(*big, {{"X", random_tensor({1, 1, 1000}, 1)}});
}

TEST(CpuTile, RepeatsPerAxis) {
  auto g = make_graph({make_node("Tile", {"X", "repeats"}, {"Y"})}, {"X"}, {"Y"},
                      {{"repeats", ints({2, 1, 3})}});
  for (ir::DType dtype : kDtypes)
    expect_cpu_matches_ref(*g, {{"X", as_dtype(random_tensor({3, 4, 5}, 1), dtype)}});
  auto zero = make_graph({make_node("Tile", {"X", "repeats"}, {"Y"})}, {"X"}, {"Y"},
                         {{"repeats", ints({0, 2})}});
  expect_cpu_matches_ref(*zero, {{"X", random_tensor({3, 5}, 1)}});
}

TEST(CpuPad, ConstantWithNegativePadsAndAxes) {
  auto g = make_graph({make_node("Pad", {"X", "pads", "value"}, {"Y"})}, {"X"}, {"Y"},
                      {{"pads", ints({0, 2, -1, 1, 0, 3})}, {"value", ir::Tensor::scalar(0.5f)}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 3, 5}, 1)}});
  auto zero = make_graph({make_node("Pad", {"X", "pads"}, {"Y"})}, {"X"}, {"Y"},
                         {{"pads", ints({1, -1, 2, 3})}});
  for (ir::DType dtype : kDtypes)
    expect_cpu_matches_ref(*zero, {{"X", as_dtype(random_tensor({3, 4}, 1), dtype)}});
  auto axes = make_graph({make_node("Pad", {"X", "pads", "", "axes"}, {"Y"})}, {"X"}, {"Y"},
                         {{"pads", ints({1, 1, 2, 0})}, {"axes", ints({-1, 2})}});
  expect_cpu_matches_ref(*axes, {{"X", random_tensor({1, 3, 5, 7}, 1)}});
}

TEST(CpuPad, EdgeReflectAndWrap) {
  for (const char* mode : {"edge", "reflect", "wrap"})
    for (ir::DType dtype : kDtypes) {
      SCOPED_TRACE(::testing::Message() << mode << " " << ir::dtype_name(dtype));
      auto g = make_graph({make_node("Pad", {"X", "pads"}, {"Y"}, {{"mode", std::string(mode)}})},
                          {"X"}, {"Y"}, {{"pads", ints({0, 1, 2, 0, -1, 3, 1, 1})}});
      expect_cpu_matches_ref(*g, {{"X", as_dtype(random_tensor({2, 3, 4, 2}, 1), dtype)}});
      expect_cpu_matches_ref(*g, {{"X", as_dtype(random_tensor({1, 1, 5, 1}, 1), dtype)}});
    }
}

TEST(CpuPad, BlockedInputAndAnUnknownModeOnRef) {
  for (const char* mode : {"constant", "reflect"}) {
    const auto g =
        after_conv({make_node("Pad", {"c", "pads"}, {"Y"}, {{"mode", std::string(mode)}})},
                   {{"pads", ints({0, 0, 1, 2, 0, 0, 3, 1})}});
    expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 16, 5, 7}, 1)}}, testing::kWinograd);
  }
  auto odd = make_graph({make_node("Pad", {"X", "pads"}, {"Y"}, {{"mode", std::string("mirror")}})},
                        {"X"}, {"Y"}, {{"pads", ints({0, 1, 0, 2})}});
  const runtime::Plan plan(*odd, {"CPU", "REF"});
  EXPECT_EQ(plan.assignments()[0].device, "REF");
  EXPECT_NE(plan.assignments()[0].reason.find("attribute 'mode' is 'mirror'"), std::string::npos);
}

TEST(CpuConstantOfShape, FillsOfEachDtype) {
  for (const ir::Tensor& value :
       {ir::Tensor::scalar(0.5f), as_dtype(random_tensor({1}, 1), ir::DType::I64),
        as_dtype(random_tensor({1}, 3), ir::DType::Bool)}) {
    auto g =
        make_graph({make_node("ConstantOfShape", {"S"}, {"Y"}, {{"value", value.reshaped({1})}})},
                   {"S"}, {"Y"});
    expect_cpu_matches_ref(*g, {{"S", ints({3, 1, 70001})}});
    expect_cpu_matches_ref(*g, {{"S", ints({2, 0})}});
  }
  auto zero = make_graph({make_node("ConstantOfShape", {"S"}, {"Y"})}, {"S"}, {"Y"});
  expect_cpu_matches_ref(*zero, {{"S", ints({5, 3})}});
}

TEST(CpuShape, OfABlockedTensorWithoutReorder) {
  for (const std::map<std::string, ir::Attribute>& window :
       {std::map<std::string, ir::Attribute>{}, {{"start", int64_t{-3}}, {"end", int64_t{-1}}}}) {
    const auto g = after_conv({make_node("Shape", {"c"}, {"Y"}, window)});
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({2, 16, 5, 7}, 1)}};
    expect_cpu_matches_ref(*g, feeds, {.rtol = 0, .atol = 0});
    std::vector<runtime::StepProfile> steps;
    runtime::Plan(*g, {"CPU", "REF"}).run(feeds, 0, &steps);
    ASSERT_EQ(steps.size(), 2u);
    // Shape read it in the blocks the convolution chose
    EXPECT_EQ(steps[0].layout, "nChw" + std::to_string(cpu::channel_block()) + "c");
    EXPECT_EQ(steps[1].implementation, "zenith:shape");
  }
}

}  // namespace
}  // namespace zenith
