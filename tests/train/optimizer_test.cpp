// Optimizers against torch.optim: the same weights and gradients, the same few steps
// (tests/train/make_pytorch_gradients.py), the same parameters after them.
#include "train/optimizer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ir/errors.h"
#include "runtime/session.h"
#include "testing/outputs.h"
#include "tools/npy.h"
#include "train/torch_optim_cases.h"

namespace zenith::train {
namespace {

TEST(Optimizer, StepsMatchTorchOptim) {
  const auto dir = std::filesystem::path(ZENITH_SOURCE_DIR) / "tests/train/data";
  const ir::Graph model = runtime::load_graph(dir / "mlp_cross_entropy.onnx");
  const nlohmann::json record =
      nlohmann::json::parse(std::ifstream(dir / "mlp_cross_entropy.json"));
  for (const TorchOptimCase& c : torch_optim_cases()) {
    SCOPED_TRACE(c.name);
    std::vector<ir::Tensor> parameters, gradients;
    std::vector<ir::Value> expected;
    for (const auto& [name, file] : record.at("grad").items()) {
      parameters.push_back(model.initializers.at(name).clone());
      gradients.push_back(tools::read_npy(dir / file.get<std::string>()));
      expected.emplace_back(
          tools::read_npy(dir / record.at("after").at(c.name).at(name).get<std::string>()));
    }
    const std::unique_ptr<Optimizer> optimizer = make_optimizer(c.settings);
    for (int s = 0; s < kSteps; ++s) optimizer->step(parameters, gradients, c.lr);
    std::vector<ir::Value> actual(parameters.begin(), parameters.end());
    testing::expect_outputs_near(actual, expected, 1e-5, 1e-7);
  }
}

// LARS, one step without momentum: w - lr * eta * |w| / (|g| + wd |w|) * (g + wd w).
TEST(Optimizer, LarsScalesEachLayerByItsTrustRatio) {
  OptimizerSettings lars;
  lars.kind = "lars";
  lars.weight_decay = 0.5f;
  lars.trust = 0.1f;
  ir::Tensor w(ir::DType::F32, {2}), g(ir::DType::F32, {2});
  w.data<float>()[0] = 3.0f, w.data<float>()[1] = 4.0f;  // |w| = 5
  g.data<float>()[0] = 0.0f, g.data<float>()[1] = 2.0f;  // |g| = 2
  std::vector<ir::Tensor> parameters = {w}, gradients = {g};
  make_optimizer(lars)->step(parameters, gradients, 1.0f);
  const float rate = 0.1f * 5.0f / (2.0f + 0.5f * 5.0f);
  EXPECT_FLOAT_EQ(parameters[0].data<float>()[0], 3.0f - rate * (0.0f + 0.5f * 3.0f));
  EXPECT_FLOAT_EQ(parameters[0].data<float>()[1], 4.0f - rate * (2.0f + 0.5f * 4.0f));
}

TEST(Optimizer, BadSettingsAreNamed) {
  OptimizerSettings s;
  s.kind = "rmsprop";
  EXPECT_THROW(make_optimizer(s), Error);
  s.kind = "sgd";
  s.momentum = 1.5f;
  EXPECT_THROW(make_optimizer(s), Error);
  s.momentum = 0.0f;
  s.nesterov = true;
  EXPECT_THROW(make_optimizer(s), Error);
}

}  // namespace
}  // namespace zenith::train
