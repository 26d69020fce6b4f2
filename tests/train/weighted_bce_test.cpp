// Binary cross-entropy with per-class positive weights (CheXNet's class balancing) against
// torch.nn.BCEWithLogitsLoss(pos_weight)'s definition: the loss -mean(p t log s(x) + (1 - t)
// log(1 - s(x))) and its gradient (s(x) (p t + 1 - t) - p t) / numel, in double.
#include <gtest/gtest.h>

#include "reference/graph_builder.h"
#include "testing/expect_error.h"
#include "testing/outputs.h"
#include "train/autograd.h"

namespace zenith::train {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

TEST(WeightedBce, LossAndGradientFollowTheDefinition) {
  // logits = x + b (b [3] broadcast over the batch): d loss / d b sums d loss / d logits.
  auto model = make_graph({make_node("Add", {"x", "b"}, {"logits"})}, {"x"}, {"logits"},
                          {{"b", random_tensor({3}, 2)}});
  model->inputs[0].type = ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{4, 3});
  const std::vector<float> p = {2.0f, 0.5f, 3.0f};
  ir::Tensor x = random_tensor({4, 3}, 1);
  for (int64_t i = 0; i < 12; ++i) x.data<float>()[i] *= 4;  // some large |logits|
  ir::Tensor targets(ir::DType::F32, {4, 3});
  for (int64_t i = 0; i < 12; ++i) targets.data<float>()[i] = static_cast<float>((i * 5) % 3 == 0);

  for (const bool weighted : {true, false}) {
    const TrainingGraph t =
        build_training_graph(*model, Loss::BinaryCrossEntropy, weighted ? p : std::vector<float>{});
    const std::vector<ir::Value> out =
        ref::Interpreter().run(t.graph, {{"x", x}, {t.labels, targets}});
    const float* logits = out[1].tensor().data<float>();
    double loss = 0, grad[3] = {};
    for (int64_t i = 0; i < 12; ++i) {
      const double z = logits[i], target = targets.data<float>()[i];
      const double w = weighted ? p[i % 3] : 1.0, s = 1 / (1 + std::exp(-z));
      loss -= (w * target * std::log(s) + (1 - target) * std::log(1 - s)) / 12;
      grad[i % 3] += (s * (w * target + 1 - target) - w * target) / 12;
    }
    EXPECT_NEAR(*out[0].tensor().data<float>(), loss, 1e-5 * loss) << weighted;
    ASSERT_EQ(t.parameters, std::vector<std::string>{"b"});
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(out[2].tensor().data<float>()[c], grad[c], 1e-6) << weighted << " class " << c;
  }
  testing::expect_error([&] { build_training_graph(*model, Loss::BinaryCrossEntropy, {1.0f}); },
                        Error::Kind::InvalidArgument, "1 positive weights for 3 classes");
  testing::expect_error([&] { build_training_graph(*model, Loss::MeanSquaredError, p); },
                        Error::Kind::InvalidArgument, "binary cross-entropy");
}

}  // namespace
}  // namespace zenith::train
