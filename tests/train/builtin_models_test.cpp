// The built-in models: DenseNet-121 and ResNet-50 have torchvision's architecture (the same
// parameter and layer counts), and the small ones train.
#include "train/builtin_models.h"

#include <gtest/gtest.h>

#include "passes/freeze_input_shapes.h"
#include "testing/expect_error.h"
#include "train/trainer.h"

namespace zenith::train {
namespace {

struct Counts {
  int64_t parameters = 0, convolutions = 0, batch_norms = 0;
};

// As torchvision counts: every learnable tensor (batch norm's running statistics are not).
Counts count(const ir::Graph& g) {
  Counts c;
  for (const ir::Node& n : g.nodes) {
    c.convolutions += n.op_type == "Conv";
    c.batch_norms += n.op_type == "BatchNormalization";
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (g.initializers.count(n.inputs[i]) && !(n.op_type == "BatchNormalization" && i >= 3))
        c.parameters += g.initializers.at(n.inputs[i]).numel();
  }
  return c;
}

TEST(BuiltinModels, HaveTorchvisionsArchitecture) {
  // torchvision 0.14: sum(p.numel() for p in model.parameters()) and the Conv2d / BatchNorm2d
  // modules of densenet121() and resnet50().
  const Counts densenet = count(builtin_model("densenet121", 1000, {3, 224, 224}, 0));
  EXPECT_EQ(densenet.parameters, 7978856);
  EXPECT_EQ(densenet.convolutions, 120);
  EXPECT_EQ(densenet.batch_norms, 121);
  const Counts resnet = count(builtin_model("resnet50", 1000, {3, 224, 224}, 0));
  EXPECT_EQ(resnet.parameters, 25557032);
  EXPECT_EQ(resnet.convolutions, 53);
  EXPECT_EQ(resnet.batch_norms, 53);
  // bench/peers/train_fashion_accuracy.py's PyTorch mirror of densenet-small has as many: the
  // accuracy comparison trains one architecture.
  EXPECT_EQ(count(builtin_model("densenet-small", 10, {1, 28, 28}, 0)).parameters, 102346);
}

class SmallBuiltinModel : public ::testing::TestWithParam<std::string> {};

TEST_P(SmallBuiltinModel, LearnsABatch) {
  ir::Graph model = builtin_model(GetParam(), 10, builtin_sample_shape(GetParam()), 3);
  EXPECT_EQ(model.inputs[0].name, "input");
  EXPECT_EQ(model.outputs[0].name, "logits");
  passes::freeze_input_shapes(model, {{"input", {8, 1, 28, 28}}});
  Trainer trainer(model, {.optimizer = {.kind = "sgd", .momentum = 0.9f}});
  ir::Tensor x(ir::DType::F32, {8, 1, 28, 28});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.data<float>()[i] = static_cast<float>((i * 7) % 11) / 10;
  ir::Tensor labels(ir::DType::I64, {8});
  for (int64_t i = 0; i < 8; ++i) labels.data<int64_t>()[i] = i;
  const float first = trainer.step({{"input", x}}, labels, 0.05f);
  float last = first;
  for (int s = 0; s < 30; ++s) last = trainer.step({{"input", x}}, labels, 0.05f);
  EXPECT_NEAR(first, std::log(10.0f), 0.5f);  // about chance at the start
  EXPECT_LT(last, 0.2f * first);              // and the batch learnt
}

INSTANTIATE_TEST_SUITE_P(BuiltinModels, SmallBuiltinModel,
                         ::testing::Values("small-cnn", "densenet-small"), [](const auto& info) {
                           return info.param == "small-cnn" ? "small_cnn" : "densenet_small";
                         });

TEST(BuiltinModels, ListTheNamesForAnUnknownOne) {
  testing::expect_error(
      [] {
        builtin_model("vgg16", 10, {3, 32, 32}, 0);
      },
      Error::Kind::InvalidArgument,
      "no built-in model 'vgg16'; there are small-cnn, densenet-small, "
      "densenet121, resnet50");
}

}  // namespace
}  // namespace zenith::train
