#include <cmath>

#include "cpu/differential.h"
#include "train/autograd.h"
#include "train/gradient_check.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// A DenseNet block in small: every layer convolves the concatenation of all earlier feature
// maps and adds `growth` channels. `stem` channels come from a first Conv. With `batch_norm`,
// each layer normalizes the concatenation before its Relu, as DenseNet does.
std::shared_ptr<ir::Graph> dense_block(int64_t stem, int64_t growth, int layers,
                                       std::vector<std::string> extra_outputs = {},
                                       bool batch_norm = false) {
  std::vector<ir::Node> nodes = {make_node("Conv", {"X", "W0"}, {"x0"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}})};
  std::map<std::string, ir::Tensor> init = {{"W0", random_tensor({stem, 3, 3, 3}, 1)}};
  std::vector<std::string> features = {"x0"};
  int64_t channels = stem;
  for (int i = 1; i <= layers; ++i) {
    const std::string n = std::to_string(i);
    std::vector<std::string> cat_inputs = features;
    nodes.push_back(make_node("Concat", cat_inputs, {"cat" + n}, {{"axis", int64_t{1}}}));
    std::string relu_input = "cat" + n;
    if (batch_norm) {
      const std::vector<std::string> params = {"s" + n, "b" + n, "m" + n, "v" + n};
      for (size_t p = 0; p < params.size(); ++p)
        init[params[p]] = random_tensor({channels}, static_cast<uint64_t>(100 + 4 * i + p));
      ir::Tensor& var = init["v" + n];
      for (int64_t k = 0; k < var.numel(); ++k) var.data<float>()[k] = std::fabs(var.data<float>()[k]) + 0.5f;
      nodes.push_back(make_node("BatchNormalization", {relu_input, params[0], params[1], params[2], params[3]},
                                {"bn" + n}));
      relu_input = "bn" + n;
    }
    nodes.push_back(make_node("Relu", {relu_input}, {"r" + n}));
    nodes.push_back(make_node("Conv", {"r" + n, "W" + n}, {"f" + n}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
    init["W" + n] = random_tensor({growth, channels, 3, 3}, static_cast<uint64_t>(10 + i));
    features.push_back("f" + n);
    channels += growth;
  }
  nodes.push_back(make_node("Concat", features, {"Y"}, {{"axis", int64_t{1}}}));
  std::vector<std::string> outputs = {"Y"};
  outputs.insert(outputs.end(), extra_outputs.begin(), extra_outputs.end());
  return make_graph(std::move(nodes), {"X"}, outputs, init);
}

TEST(CpuConcatChain, DenseBlockIsOneChainAndMatchesRefAtBatchOneAndTwo) {
  auto g = dense_block(16, 16, 4);
  const runtime::Plan plan(*g, {"CPU", "REF"});
  std::vector<runtime::StepProfile> profile;
  plan.run({{"X", random_tensor({1, 3, 6, 7}, 2)}}, 0, &profile);
  size_t views = 0;
  for (const runtime::StepProfile& step : profile) {
    if (step.op != "Concat") continue;
    EXPECT_EQ(step.implementation, "view") << step.node << " was copied, not a view of the chain";
    views += step.implementation == "view";
  }
  EXPECT_GE(views, 4u) << "cat2..cat4 and Y are prefixes of one chain";
  expect_cpu_matches_ref(*g, {{"X", random_tensor({1, 3, 6, 7}, 2)}}, testing::kWinograd);
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 3, 6, 7}, 2)}}, testing::kWinograd);  // strided views
}

// A SqueezeNet fire module: a 1x1 and a 3x3 expansion of the same input, concatenated once. The
// lone concat is a chain: at batch 1 the first expansion is copied into its part (one
// contiguous copy), the second is written in place, and the concat is a view.
TEST(CpuConcatChain, LoneConcatIsWrittenInPlaceAtBatchOne) {
  const std::vector<int64_t> same = {1, 1, 1, 1};
  auto g = make_graph(
      {make_node("Conv", {"X", "Ws"}, {"s"}), make_node("Relu", {"s"}, {"rs"}),
       make_node("Conv", {"rs", "W1"}, {"e1"}), make_node("Relu", {"e1"}, {"r1"}),
       make_node("Conv", {"rs", "W3"}, {"e3"}, {{"pads", same}}), make_node("Relu", {"e3"}, {"r3"}),
       make_node("Concat", {"r1", "r3"}, {"Y"}, {{"axis", int64_t{1}}})},
      {"X"}, {"Y"},
      {{"Ws", random_tensor({16, 8, 1, 1}, 1)},
       {"W1", random_tensor({32, 16, 1, 1}, 2)},
       {"W3", random_tensor({32, 16, 3, 3}, 3)}});
  const runtime::Plan plan(*g, {"CPU", "REF"});
  std::vector<runtime::StepProfile> profile;
  plan.run({{"X", random_tensor({1, 8, 9, 11}, 4)}}, 0, &profile);
  std::vector<std::string> copies;
  for (const runtime::StepProfile& step : profile) {
    if (step.op == "Concat") {
      EXPECT_EQ(step.implementation, "view") << step.node;
    }
    if (step.implementation.find("zenith:copy_into_slot") != std::string::npos)
      copies.push_back(step.node);
  }
  EXPECT_EQ(copies.size(), 1u) << "only the expansion produced first is copied: "
                               << fmt::format("{}", fmt::join(copies, ", "));
  expect_cpu_matches_ref(*g, {{"X", random_tensor({1, 8, 9, 11}, 4)}}, testing::kWinograd);
  expect_cpu_matches_ref(*g, {{"X", random_tensor({3, 8, 9, 11}, 4)}}, testing::kWinograd);
}

TEST(CpuConcatChain, ChannelsOffTheBlocksAndValuesReadElsewhereStayCorrect) {
  auto odd = dense_block(16, 8, 3);  // 8-channel slices are not whole blocks
  expect_cpu_matches_ref(*odd, {{"X", random_tensor({1, 3, 5, 5}, 2)}}, testing::kWinograd);
  // Intermediate concats and features read by the caller, who gets plain copies.
  auto shared = dense_block(32, 16, 3, {"cat2", "f1"});
  expect_cpu_matches_ref(*shared, {{"X", random_tensor({1, 3, 5, 5}, 2)}}, testing::kWinograd);
}

TEST(CpuConcatChain, BatchNormReadsTheChainInPlaceAtAnyBatch) {
  // Above batch 1 a view's images lie a whole buffer apart; BatchNormalization reads them so,
  // other steps get a dense copy. Odd spatial sizes and a batch of 3.
  auto g = dense_block(32, 16, 4, {}, /*batch_norm=*/true);
  for (int64_t batch : {1, 3})
    expect_cpu_matches_ref(*g, {{"X", random_tensor({batch, 3, 7, 5}, 4)}}, testing::kWinograd);
  auto plain_relu = dense_block(16, 16, 3);
  expect_cpu_matches_ref(*plain_relu, {{"X", random_tensor({3, 3, 5, 6}, 4)}}, testing::kWinograd);
}

// Training: each batch norm's forward and gradient read its concat-chain view in place (no
// dense copy of it), at batch 3 where the view's images lie a whole buffer apart; the training
// graph agrees with REF.
TEST(CpuConcatChain, TrainingBatchNormReadsTheChainInPlace) {
  auto model = dense_block(32, 16, 3, {}, /*batch_norm=*/true);
  for (ir::Node& n : model->nodes)
    if (n.op_type == "BatchNormalization") n.attributes["training_mode"] = int64_t{1};
  model = testing::fixed(model, {{"X", {3, 3, 7, 5}}});
  const train::TrainingGraph t = train::build_training_graph(*model, train::Loss::MeanSquaredError);
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({3, 3, 7, 5}, 4)},
                                                  {t.labels, random_tensor({3, 80, 7, 5}, 5)}};
  const runtime::Plan plan(t.graph, {"CPU", "REF"});
  std::vector<runtime::StepProfile> profile;
  plan.run(feeds, 0, &profile);
  size_t norms = 0;
  for (const runtime::StepProfile& step : profile) {
    if (step.op != "BatchNormTrain" && step.op != "BatchNormGrad") continue;
    ++norms;
    EXPECT_EQ(step.implementation, "zenith:batch_norm_blocked") << step.node;
  }
  EXPECT_EQ(norms, 6u);
  expect_cpu_matches_ref(t.graph, feeds, {.rtol = 1e-3, .atol = 1e-4, .on_cpu = false});
}

}  // namespace
}  // namespace zenith
