// Autograd against PyTorch's: models PyTorch exported in training form with the loss and
// gradients PyTorch's autograd computed on one batch (tests/train/make_pytorch_gradients.py).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "passes/freeze_input_shapes.h"
#include "runtime/session.h"
#include "testing/outputs.h"
#include "tools/npy.h"
#include "train/autograd.h"

namespace zenith::train {
namespace {

class AutogradVsPyTorch : public ::testing::TestWithParam<std::pair<std::string, Loss>> {};

TEST_P(AutogradVsPyTorch, LossAndGradientsMatch) {
  const auto [name, loss] = GetParam();
  const auto dir = std::filesystem::path(ZENITH_SOURCE_DIR) / "tests/train/data";
  ir::Graph model = runtime::load_graph(dir / (name + ".onnx"));
  const ir::Tensor x = tools::read_npy(dir / (name + "_x.npy"));
  passes::freeze_input_shapes(model, {{"x", x.dims()}});
  const TrainingGraph t = build_training_graph(model, loss);
  const std::vector<ir::Value> out = ref::Interpreter().run(
      t.graph, {{"x", x}, {t.labels, tools::read_npy(dir / (name + "_labels.npy"))}});
  // PyTorch computes in f32 too, its sums in another order.
  testing::expect_outputs_near({out[0]}, {tools::read_npy(dir / (name + "_loss.npy"))}, 1e-5, 1e-6);
  const nlohmann::json grads =
      nlohmann::json::parse(std::ifstream(dir / (name + ".json"))).at("grad");
  EXPECT_EQ(t.parameters.size(), grads.size());
  for (size_t k = 0; k < t.parameters.size(); ++k) {
    const std::string& p = t.parameters[k];
    ASSERT_TRUE(grads.contains(p)) << p;
    SCOPED_TRACE(p);
    testing::expect_outputs_near({out[2 + k]}, {tools::read_npy(dir / grads[p].get<std::string>())},
                                 1e-4, 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(Train, AutogradVsPyTorch,
                         ::testing::Values(std::pair("mlp_cross_entropy", Loss::CrossEntropy),
                                           std::pair("small_cnn", Loss::CrossEntropy),
                                           std::pair("dense_block_bce", Loss::BinaryCrossEntropy),
                                           std::pair("linear3d_bce", Loss::BinaryCrossEntropy),
                                           std::pair("transformer_encoder", Loss::CrossEntropy),
                                           std::pair("token_encoder_opset17", Loss::CrossEntropy),
                                           std::pair("lstm_classifier", Loss::CrossEntropy)),
                         [](const auto& info) { return info.param.first; });

}  // namespace
}  // namespace zenith::train
