// Autograd: the training graph's gradients against central finite differences of its own loss,
// on REF, for each loss and the backward rules of dense and elementwise ops.
#include "train/autograd.h"

#include <gtest/gtest.h>

#include <set>

#include "cpu/differential.h"
#include "ir/errors.h"
#include "reference/graph_builder.h"
#include "testing/outputs.h"
#include "train/gradient_check.h"

namespace zenith::train {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

using testing::class_ids;
using testing::expect_gradients_match_finite_differences;
using testing::Feeds;
using testing::fixed;

// x -> Gemm (+b) -> Relu -> Gemm (transB, +b) -> logits, softmax cross-entropy over class ids.
TEST(Autograd, MultiLayerPerceptronWithCrossEntropy) {
  const auto model = fixed(
      make_graph({make_node("Gemm", {"x", "w1", "b1"}, {"h"}), make_node("Relu", {"h"}, {"r"}),
                  make_node("Gemm", {"r", "w2", "b2"}, {"logits"}, {{"transB", int64_t{1}}})},
                 {"x"}, {"logits"},
                 {{"w1", random_tensor({6, 5}, 2)},
                  {"b1", random_tensor({5}, 3)},
                  {"w2", random_tensor({3, 5}, 4)},
                  {"b2", random_tensor({3}, 5)}}),
      {{"x", {4, 6}}});
  const TrainingGraph t = build_training_graph(*model, Loss::CrossEntropy);
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"w1", "b1", "w2", "b2"}));
  const Feeds feeds = {{"x", random_tensor({4, 6}, 1)}, {t.labels, class_ids({0, 2, 1, 2})}};
  expect_gradients_match_finite_differences(t, feeds);
  // The loss itself: the mean of -log softmax at each row's class.
  const std::vector<ir::Value> out = ref::Interpreter().run(t.graph, feeds);
  const ir::Tensor& logits = out[1].tensor();
  const int64_t ids[] = {0, 2, 1, 2};
  double expected = 0;
  for (int64_t r = 0; r < 4; ++r) {
    const float* row = logits.data<float>() + r * 3;
    double sum = 0;
    for (int c = 0; c < 3; ++c) sum += std::exp(row[c]);
    expected += (std::log(sum) - row[ids[r]]) / 4;
  }
  EXPECT_NEAR(*out[0].tensor().data<float>(), expected, 1e-5);
  // The same graph on the CPU device (ops it lacks, such as the loss, on REF) computes the same.
  testing::expect_cpu_matches_ref(t.graph, feeds, {.rtol = 1e-4, .atol = 1e-5, .on_cpu = false});
}

// Broadcasting Mul / Add / Sub / Div, Sigmoid and Tanh, a Linear MatMul, binary cross-entropy.
TEST(Autograd, BroadcastingElementwiseOpsWithBinaryCrossEntropy) {
  ir::Tensor divisor = random_tensor({4}, 6);
  for (int64_t i = 0; i < 4; ++i) divisor.data<float>()[i] = 1.5f + divisor.data<float>()[i];
  const auto model =
      fixed(make_graph({make_node("Mul", {"x", "s"}, {"m"}), make_node("Add", {"m", "b"}, {"a"}),
                        make_node("Sigmoid", {"a"}, {"g"}), make_node("Sub", {"g", "c"}, {"d"}),
                        make_node("Tanh", {"d"}, {"h"}), make_node("Div", {"h", "q"}, {"e"}),
                        make_node("MatMul", {"e", "w"}, {"logits"})},
                       {"x"}, {"logits"},
                       {{"s", random_tensor({1, 4}, 2)},
                        {"b", random_tensor({4}, 3)},
                        {"c", random_tensor({3, 1}, 4)},
                        {"q", divisor},
                        {"w", random_tensor({4, 2}, 5)}}),
            {{"x", {3, 4}}});
  const TrainingGraph t = build_training_graph(*model, Loss::BinaryCrossEntropy);
  EXPECT_EQ(t.parameters.size(), 5u);
  ir::Tensor targets(ir::DType::F32, {3, 2});
  for (int64_t i = 0; i < 6; ++i) targets.data<float>()[i] = static_cast<float>(i % 2);
  expect_gradients_match_finite_differences(t,
                                            {{"x", random_tensor({3, 4}, 1)}, {t.labels, targets}});
}

// A Linear layer on a 3-D input (MatMul + bias Add), a residual Add, a square (Mul of a value
// by itself: both operands' gradients add up), Flatten, Gemm, mean squared error.
TEST(Autograd, RankThreeLinearAndFlattenWithMeanSquaredError) {
  const auto model =
      fixed(make_graph(
                {make_node("MatMul", {"x", "w"}, {"m"}), make_node("Add", {"m", "b"}, {"l"}),
                 make_node("Add", {"l", "x"}, {"skip"}), make_node("Mul", {"skip", "skip"}, {"sq"}),
                 make_node("Flatten", {"sq"}, {"f"}), make_node("Gemm", {"f", "v"}, {"logits"})},
                {"x"}, {"logits"},
                {{"w", random_tensor({4, 4}, 2)},
                 {"b", random_tensor({4}, 3)},
                 {"v", random_tensor({12, 2}, 4)}}),
            {{"x", {2, 3, 4}}});
  const TrainingGraph t = build_training_graph(*model, Loss::MeanSquaredError);
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"w", "b", "v"}));
  expect_gradients_match_finite_differences(
      t, {{"x", random_tensor({2, 3, 4}, 1)}, {t.labels, random_tensor({2, 2}, 7)}});
}

// Convolutions (strided and padded with a bias; grouped and dilated; depthwise), ReLU,
// GlobalAveragePool, Flatten and a Linear head under cross-entropy.
TEST(Autograd, ConvolutionsWithCrossEntropy) {
  using Ints = std::vector<int64_t>;
  const auto model = fixed(
      make_graph(
          {make_node("Conv", {"x", "w1", "b1"}, {"c1"},
                     {{"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{2, 2}}}),
           make_node("Relu", {"c1"}, {"r1"}),
           make_node(
               "Conv", {"r1", "w2"}, {"c2"},
               {{"pads", Ints{2, 2, 2, 2}}, {"dilations", Ints{2, 2}}, {"group", int64_t{2}}}),
           make_node("Conv", {"c2", "w3", "b3"}, {"c3"},
                     {{"pads", Ints{1, 1, 1, 1}}, {"group", int64_t{6}}}),
           make_node("GlobalAveragePool", {"c3"}, {"p"}), make_node("Flatten", {"p"}, {"f"}),
           make_node("Gemm", {"f", "w4"}, {"logits"})},
          {"x"}, {"logits"},
          {{"w1", random_tensor({4, 3, 3, 3}, 2)},
           {"b1", random_tensor({4}, 3)},
           {"w2", random_tensor({6, 2, 3, 3}, 4)},
           {"w3", random_tensor({6, 1, 3, 3}, 5)},
           {"b3", random_tensor({6}, 6)},
           {"w4", random_tensor({6, 3}, 7)}}),
      {{"x", {2, 3, 7, 6}}});
  const TrainingGraph t = build_training_graph(*model, Loss::CrossEntropy);
  EXPECT_EQ(t.parameters.size(), 6u);
  const Feeds feeds = {{"x", random_tensor({2, 3, 7, 6}, 1)}, {t.labels, class_ids({1, 2})}};
  expect_gradients_match_finite_differences(t, feeds);
  // On CPU the gradient convolutions are oneDNN's backward primitives, agreeing with REF.
  testing::expect_cpu_matches_ref(t.graph, feeds, {.rtol = 1e-4, .atol = 1e-5, .on_cpu = false});
  const runtime::Plan plan(t.graph, {"CPU", "REF"});
  plan.run(feeds, 0);
  size_t gradient_convs = 0;
  for (const hetero::Assignment& a : plan.assignments())
    if (a.op_type == "ConvGradInput" || a.op_type == "ConvGradWeight") {
      ++gradient_convs;
      EXPECT_EQ(a.device, "CPU") << a.node << ": " << a.reason;
    }
  EXPECT_EQ(gradient_convs, 5u);  // dX of the second and third convolutions, dW of all three
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
}

// Batch norm in training mode, max pooling, a concat of a branch, softmax, mean squared error.
TEST(Autograd, BatchNormPoolingConcatAndSoftmax) {
  using Ints = std::vector<int64_t>;
  ir::Tensor var = random_tensor({4}, 9);
  for (int64_t c = 0; c < 4; ++c) var.data<float>()[c] = 1.0f + std::abs(var.data<float>()[c]);
  const auto model =
      fixed(make_graph({make_node("Conv", {"x", "w1"}, {"c1"}, {{"pads", Ints{1, 1, 1, 1}}}),
                        make_node("BatchNormalization", {"c1", "scale", "bias", "mean", "var"},
                                  {"n"}, {{"training_mode", int64_t{1}}}),
                        make_node("Relu", {"n"}, {"r"}),
                        make_node("MaxPool", {"r"}, {"p"},
                                  {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}),
                        make_node("Conv", {"p", "w2"}, {"branch"}),
                        make_node("Concat", {"p", "branch"}, {"cat"}, {{"axis", int64_t{1}}}),
                        make_node("GlobalAveragePool", {"cat"}, {"g"}),
                        make_node("Flatten", {"g"}, {"f"}), make_node("Gemm", {"f", "w3"}, {"z"}),
                        make_node("Softmax", {"z"}, {"logits"}, {{"axis", int64_t{1}}})},
                       {"x"}, {"logits"},
                       {{"w1", random_tensor({4, 2, 3, 3}, 2)},
                        {"scale", random_tensor({4}, 3)},
                        {"bias", random_tensor({4}, 4)},
                        {"mean", random_tensor({4}, 5)},
                        {"var", var},
                        {"w2", random_tensor({2, 4, 1, 1}, 6)},
                        {"w3", random_tensor({6, 4}, 7)}}),
            {{"x", {3, 2, 6, 6}}});
  const TrainingGraph t = build_training_graph(*model, Loss::MeanSquaredError);
  // The running statistics are inputs the gradient does not reach.
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"w1", "scale", "bias", "w2", "w3"}));
  expect_gradients_match_finite_differences(
      t, {{"x", random_tensor({3, 2, 6, 6}, 1)}, {t.labels, random_tensor({3, 4}, 8)}});
}

// Batch norm in training mode, max and average pooling (padded, strided, ceil_mode; the
// average after a Pad, as PyTorch exports AvgPool2d) under cross-entropy; on CPU their gradient
// ops agree with REF.
TEST(Autograd, BatchNormAndPoolingGradientsOnCpu) {
  using Ints = std::vector<int64_t>;
  ir::Tensor pads(ir::DType::I64, {8});  // one row before, one column after: 5x5 to 6x6
  const int64_t pad_values[] = {0, 0, 1, 0, 0, 0, 0, 1};
  std::copy(pad_values, pad_values + 8, pads.data<int64_t>());
  const auto model = fixed(
      make_graph(
          {make_node("Conv", {"x", "w1"}, {"c1"}, {{"pads", Ints{1, 1, 1, 1}}}),
           make_node("BatchNormalization", {"c1", "scale", "bias", "mean", "var"}, {"n"},
                     {{"training_mode", int64_t{1}}}),
           make_node("Relu", {"n"}, {"r"}),
           make_node(
               "MaxPool", {"r"}, {"m"},
               {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}}),
           make_node("Pad", {"m", "pads"}, {"padded"}),
           make_node(
               "AveragePool", {"padded"}, {"a"},
               {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}}),
           make_node("Flatten", {"a"}, {"f"}), make_node("Gemm", {"f", "w2"}, {"logits"})},
          {"x"}, {"logits"},
          {{"w1", random_tensor({4, 2, 3, 3}, 2)},
           {"scale", random_tensor({4}, 3)},
           {"bias", random_tensor({4}, 4)},
           {"mean", random_tensor({4}, 5)},
           {"var", random_tensor({4}, 6)},
           {"w2", random_tensor({36, 3}, 7)},
           {"pads", pads}}),
      {{"x", {3, 2, 9, 9}}});
  const TrainingGraph t = build_training_graph(*model, Loss::CrossEntropy);
  EXPECT_EQ(t.parameters, (std::vector<std::string>{"w1", "scale", "bias", "w2"}));
  const Feeds feeds = {{"x", random_tensor({3, 2, 9, 9}, 1)}, {t.labels, class_ids({2, 0, 1})}};
  expect_gradients_match_finite_differences(t, feeds);
  testing::expect_cpu_matches_ref(t.graph, feeds, {.rtol = 1e-3, .atol = 1e-4, .on_cpu = false});
  const runtime::Plan plan(t.graph, {"CPU", "REF"});
  plan.run(feeds, 0);
  std::set<std::string> on_cpu;
  for (const hetero::Assignment& a : plan.assignments())
    if (a.device == "CPU") on_cpu.insert(a.op_type);
  for (const char* op : {"BatchNormTrain", "BatchNormGrad", "MaxPoolGrad", "AveragePoolGrad"})
    EXPECT_TRUE(on_cpu.count(op)) << op;
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
  // The Relu after the norm, and its gradient, are fused into the norm's two ops.
  for (const ir::Node& n : t.graph.nodes) {
    EXPECT_NE(n.op_type, "Relu");
    EXPECT_NE(n.op_type, "ReluGrad");
    if (n.op_type == "BatchNormTrain" || n.op_type == "BatchNormGrad") {
      EXPECT_EQ(n.attr<int64_t>("relu", 0), 1) << n.op_type;
    }
  }
}

// A norm whose output another node reads besides its Relu keeps the Relu and its gradient
// apart, and the gradients stay right.
TEST(Autograd, BatchNormReadTwiceKeepsItsRelu) {
  ir::Tensor var = random_tensor({3}, 6);
  for (int64_t c = 0; c < 3; ++c) var.data<float>()[c] = 1.0f + std::abs(var.data<float>()[c]);
  const auto model =
      fixed(make_graph({make_node("BatchNormalization", {"x", "scale", "bias", "mean", "var"},
                                  {"n"}, {{"training_mode", int64_t{1}}}),
                        make_node("Relu", {"n"}, {"r"}), make_node("Mul", {"n", "r"}, {"m"}),
                        make_node("Flatten", {"m"}, {"logits"})},
                       {"x"}, {"logits"},
                       {{"scale", random_tensor({3}, 2)},
                        {"bias", random_tensor({3}, 3)},
                        {"mean", random_tensor({3}, 4)},
                        {"var", var}}),
            {{"x", {4, 3, 2, 2}}});
  const TrainingGraph t = build_training_graph(*model, Loss::MeanSquaredError);
  size_t relus = 0;
  for (const ir::Node& n : t.graph.nodes) {
    relus += n.op_type == "Relu" || n.op_type == "ReluGrad";
    EXPECT_EQ(n.attr<int64_t>("relu", 0), 0) << n.op_type;
  }
  EXPECT_EQ(relus, 2u);
  expect_gradients_match_finite_differences(
      t, {{"x", random_tensor({4, 3, 2, 2}, 1)}, {t.labels, random_tensor({4, 12}, 8)}});
}

// A gradient that would have to pass an op without a backward rule: the error names the node.
TEST(Autograd, AnOpWithoutABackwardRuleIsNamed) {
  auto model =
      fixed(make_graph({make_node("Conv", {"x", "w"}, {"c"}), make_node("Softplus", {"c"}, {"n"}),
                        make_node("Flatten", {"n"}, {"logits"})},
                       {"x"}, {"logits"}, {{"w", random_tensor({2, 1, 3, 3}, 2)}}),
            {{"x", {1, 1, 3, 3}}});
  model->nodes[1].name = "norm_a";
  try {
    build_training_graph(*model, Loss::MeanSquaredError);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::Unsupported);
    EXPECT_NE(std::string(e.what()).find("node 'norm_a' (Softplus) has no backward rule"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_loss("hinge", "--loss"), Error);
}

}  // namespace
}  // namespace zenith::train
