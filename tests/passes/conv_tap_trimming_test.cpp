#include "passes/conv_tap_trimming.h"

#include <gtest/gtest.h>

#include "passes/freeze_input_shapes.h"
#include "passes/pass_test_util.h"
#include "reference/graph_builder.h"

namespace zenith::passes {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using Ints = std::vector<int64_t>;
using Attrs = std::map<std::string, ir::Attribute>;

// x (frozen to `x_dims`) -> Conv(W of `w_dims`, bias) -> y.
std::shared_ptr<ir::Graph> conv_graph(const ir::Dims& x_dims, const ir::Dims& w_dims, Attrs attrs) {
  auto graph =
      make_graph({make_node("Conv", {"x", "W", "b"}, {"y"}, std::move(attrs))}, {"x"}, {"y"},
                 {{"W", random_tensor(w_dims, 2)}, {"b", random_tensor({w_dims[0]}, 3)}});
  graph->inputs[0].type =
      ir::TypeInfo::tensor(ir::DType::F32, ir::Shape(x_dims.begin(), x_dims.end()));
  return graph;
}

void expect_trimmed_alike(const ir::Graph& before, const ir::Graph& after, const ir::Dims& x_dims) {
  testing::expect_same_outputs(before, after, {{"x", random_tensor(x_dims, 1)}}, testing::kFoldRtol,
                               testing::kFoldAtol);
}

// DeepLab's pyramid: a 3x3 Conv dilated 24 on a 14x14 map reads padding with every tap but the
// centre, so it is a 1x1 Conv.
TEST(ConvTapTrimming, MakesAConvWhoseOuterTapsReadOnlyPaddingPointwise) {
  const ir::Dims x = {1, 8, 14, 14};
  auto graph = conv_graph(
      x, {4, 8, 3, 3},
      {{"kernel_shape", Ints{3, 3}}, {"dilations", Ints{24, 24}}, {"pads", Ints{24, 24, 24, 24}}});
  const ir::Graph before = *graph;
  EXPECT_EQ(trim_conv_taps(*graph), (ChangeCounts{{"Conv", 1}}));
  const ir::Node& conv = graph->nodes[0];
  EXPECT_EQ(graph->initializers.at(conv.inputs[1]).dims(), (ir::Dims{4, 8, 1, 1}));
  EXPECT_EQ(conv.attr<Ints>("kernel_shape"), (Ints{1, 1}));
  EXPECT_EQ(conv.attr<Ints>("pads"), (Ints{0, 0, 0, 0}));
  EXPECT_EQ(conv.attr<Ints>("dilations"), (Ints{1, 1}));
  EXPECT_EQ(graph->initializers.count("W"), 0u) << "the old weights had no other reader";
  expect_trimmed_alike(before, *graph, x);
  EXPECT_EQ(trim_conv_taps(*graph), ChangeCounts{}) << "nothing left to trim";
}

// Each axis is trimmed on its own, one side at a time where only one side reads padding alone,
// with strides, in 1-D, 2-D and 3-D, and with auto_pad; the outputs stay the same.
TEST(ConvTapTrimming, TrimsEachAxisAndSideOnItsOwnAndKeepsTheOutputs) {
  struct Case {
    ir::Dims x, w;
    Attrs attrs;
    ir::Dims kernel;  // expected after trimming
  };
  const std::vector<Case> cases = {
      // Rows: 3 high, dilation 4, so only the centre row; columns: 9 wide, every tap reads some.
      {{2, 3, 3, 9}, {5, 3, 3, 3}, {{"dilations", Ints{4, 4}}, {"pads", Ints{4, 4, 4, 4}}}, {1, 3}},
      // Padding at the start only: the first tap reads it alone.
      {{1, 2, 6}, {3, 2, 2}, {{"dilations", Ints{7}}, {"pads", Ints{7, 0}}}, {1}},
      {{1, 2, 6}, {3, 2, 3}, {{"dilations", Ints{3}}, {"pads", Ints{6, 0}}}, {2}},
      // Stride 2: an output position that would read inside is skipped.
      {{1, 4, 5, 5},
       {2, 4, 3, 3},
       {{"strides", Ints{2, 2}}, {"dilations", Ints{5, 5}}, {"pads", Ints{5, 5, 5, 5}}},
       {1, 1}},
      // 3-D, depth trimmed only.
      {{1, 2, 2, 6, 6},
       {2, 2, 3, 3, 3},
       {{"dilations", Ints{2, 1, 1}}, {"pads", Ints{2, 1, 1, 2, 1, 1}}},
       {1, 3, 3}},
      // SAME_UPPER padding made explicit.
      {{1, 2, 4, 4},
       {2, 2, 3, 3},
       {{"dilations", Ints{6, 6}}, {"auto_pad", std::string("SAME_UPPER")}},
       {1, 1}},
      // A grouped (depthwise) Conv.
      {{1, 4, 5, 5},
       {4, 1, 3, 3},
       {{"group", int64_t{4}}, {"dilations", Ints{6, 6}}, {"pads", Ints{6, 6, 6, 6}}},
       {1, 1}},
  };
  for (const Case& c : cases) {
    auto graph = conv_graph(c.x, c.w, c.attrs);
    const ir::Graph before = *graph;
    SCOPED_TRACE(ir::to_string(c.x) + " * " + ir::to_string(c.w));
    EXPECT_EQ(trim_conv_taps(*graph), (ChangeCounts{{"Conv", 1}}));
    const ir::Dims& w = graph->initializers.at(graph->nodes[0].inputs[1]).dims();
    EXPECT_EQ(ir::Dims(w.begin() + 2, w.end()), c.kernel);
    EXPECT_FALSE(graph->nodes[0].has_attr("auto_pad"));
    expect_trimmed_alike(before, *graph, c.x);
  }
}

// DeepLab's dilation 12 on 14x14: the outer taps read the map only at 2 of 14 rows (and
// columns), so each band of rows and columns gets a Conv of its own taps: 9 regions, the
// centre one pointwise, the corners reading the whole map (no Slice), put together by Concats.
TEST(ConvTapTrimming, SplitsAConvWhoseOuterTapsReadTheMapOnlyNearItsEdges) {
  const ir::Dims x = {2, 8, 14, 14};
  auto graph =
      conv_graph(x, {4, 8, 3, 3}, {{"dilations", Ints{12, 12}}, {"pads", Ints{12, 12, 12, 12}}});
  const ir::Graph before = *graph;
  EXPECT_EQ(trim_conv_taps(*graph), (ChangeCounts{{"Conv", 1}}));
  EXPECT_EQ(testing::count_ops(*graph, "Conv"), 9u);
  EXPECT_EQ(testing::count_ops(*graph, "Slice"), 5u);
  EXPECT_EQ(testing::count_ops(*graph, "Concat"), 4u);
  EXPECT_EQ(graph->nodes.back().outputs[0], "y");
  size_t taps = 0;
  for (const ir::Node& n : graph->nodes)
    if (n.op_type == "Conv") {
      EXPECT_EQ(n.attr<Ints>("pads"), (Ints{0, 0, 0, 0})) << n.name;
      taps += static_cast<size_t>(graph->initializers.at(n.inputs[1]).numel() / (4 * 8));
    }
  EXPECT_EQ(taps, 1u + 4 * 2 + 4 * 4) << "the centre 1 tap, the edges 2, the corners 4";
  EXPECT_EQ(graph->initializers.count("W"), 0u);
  expect_trimmed_alike(before, *graph, x);
  EXPECT_EQ(trim_conv_taps(*graph), ChangeCounts{}) << "the regions read the map with every tap";

  // The same in 1-D with a stride and uneven padding, and in 3-D.
  const std::vector<std::pair<ir::Dims, Attrs>> others = {
      {{1, 3, 20}, {{"strides", Ints{2}}, {"dilations", Ints{16}}, {"pads", Ints{16, 15}}}},
      {{1, 2, 9, 9, 9}, {{"dilations", Ints{7, 7, 7}}, {"pads", Ints{7, 7, 7, 7, 7, 7}}}},
  };
  for (const auto& [dims, attrs] : others) {
    ir::Dims w = {3, dims[1]};
    w.resize(dims.size(), 3);
    auto other = conv_graph(dims, w, attrs);
    const ir::Graph original = *other;
    SCOPED_TRACE(ir::to_string(dims));
    EXPECT_EQ(trim_conv_taps(*other), (ChangeCounts{{"Conv", 1}}));
    EXPECT_GT(testing::count_ops(*other, "Conv"), 1u);
    expect_trimmed_alike(original, *other, dims);
  }
}

TEST(ConvTapTrimming, LeavesConvsItCannotOrNeedNotTrim) {
  const Attrs dilated = {{"dilations", Ints{24, 24}}, {"pads", Ints{24, 24, 24, 24}}};
  // Every tap reads the input somewhere.
  auto plain = conv_graph({1, 2, 8, 8}, {2, 2, 3, 3}, {{"pads", Ints{1, 1, 1, 1}}});
  EXPECT_EQ(trim_conv_taps(*plain), ChangeCounts{});
  // Weights a caller feeds.
  auto fed = conv_graph({1, 2, 8, 8}, {2, 2, 3, 3}, dilated);
  fed->inputs.push_back({"W", ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{2, 2, 3, 3})});
  EXPECT_EQ(trim_conv_taps(*fed), ChangeCounts{});
  // An input of unknown spatial size: the same Conv on a larger map reads more taps.
  auto symbolic = conv_graph({1, 2, 8, 8}, {2, 2, 3, 3}, dilated);
  symbolic->inputs[0].type = ir::TypeInfo::tensor(
      ir::DType::F32, ir::Shape{ir::Dim(1), ir::Dim(2), ir::Dim::named("h"), ir::Dim(8)});
  EXPECT_EQ(trim_conv_taps(*symbolic), ChangeCounts{});
  EXPECT_EQ(freeze_input_shapes(*symbolic, {{"x", {1, 2, 8, 8}}}).empty(), false);
  EXPECT_EQ(trim_conv_taps(*symbolic), (ChangeCounts{{"Conv", 1}})) << "once its shape is frozen";
  // A window wider than the padded map: the live tap lies past the padding (a crop, not a pad).
  auto crop = conv_graph({1, 2, 3, 3}, {2, 2, 3, 3},
                         {{"dilations", Ints{4, 4}}, {"pads", Ints{3, 3, 3, 3}}});
  EXPECT_EQ(trim_conv_taps(*crop), ChangeCounts{});
}

TEST(ConvTapTrimming, KeepsWeightsAnotherNodeReads) {
  auto graph = conv_graph({1, 8, 14, 14}, {8, 8, 3, 3},
                          {{"dilations", Ints{24, 24}}, {"pads", Ints{24, 24, 24, 24}}});
  graph->nodes.push_back(make_node("Conv", {"y", "W"}, {"z"}, {{"pads", Ints{1, 1, 1, 1}}}));
  graph->outputs = {{"z", {}}};
  const ir::Graph before = *graph;
  EXPECT_EQ(trim_conv_taps(*graph), (ChangeCounts{{"Conv", 1}}));
  EXPECT_EQ(graph->nodes[1].inputs[1], "W");
  EXPECT_EQ(graph->initializers.at("W").dims(), (ir::Dims{8, 8, 3, 3}));
  expect_trimmed_alike(before, *graph, {1, 8, 14, 14});
}

}  // namespace
}  // namespace zenith::passes
