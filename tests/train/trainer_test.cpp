// The trainer against PyTorch: from the same weights, on the same batch, 100 steps of the same
// optimizer give the same loss curve (tests/train/make_pytorch_gradients.py's "curve").
#include "train/trainer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "passes/freeze_input_shapes.h"
#include "runtime/session.h"
#include "tools/npy.h"
#include "train/torch_optim_cases.h"

namespace zenith::train {
namespace {

struct CurveCase {
  std::string model;
  Loss loss;
  std::vector<std::string> devices;
};

class TrainerVsPyTorch : public ::testing::TestWithParam<CurveCase> {};

TEST_P(TrainerVsPyTorch, LossCurveMatches) {
  const CurveCase& c = GetParam();
  const auto dir = std::filesystem::path(ZENITH_SOURCE_DIR) / "tests/train/data";
  const nlohmann::json curve =
      nlohmann::json::parse(std::ifstream(dir / (c.model + ".json"))).at("curve");
  ir::Graph model = runtime::load_graph(dir / (c.model + ".onnx"));
  const ir::Tensor x = tools::read_npy(dir / (c.model + "_x.npy"));
  const ir::Tensor labels = tools::read_npy(dir / (c.model + "_labels.npy"));
  passes::freeze_input_shapes(model, {{"x", x.dims()}});
  const auto cases = torch_optim_cases();
  const auto optim = std::find_if(cases.begin(), cases.end(), [&](const TorchOptimCase& o) {
    return o.name == curve.at("optimizer").get<std::string>();
  });
  ASSERT_NE(optim, cases.end());
  Trainer trainer(model, {.loss = c.loss, .optimizer = optim->settings, .devices = c.devices});
  const ir::Tensor expected = tools::read_npy(dir / curve.at("losses").get<std::string>());
  ASSERT_EQ(expected.numel(), curve.at("steps").get<int64_t>());
  for (int64_t s = 0; s < expected.numel(); ++s) {
    const float loss = trainer.step({{"x", x}}, labels, optim->lr);
    const float want = expected.data<float>()[s];
    ASSERT_NEAR(loss, want, 1e-3 * std::abs(want)) << "step " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Train, TrainerVsPyTorch,
    ::testing::Values(CurveCase{"mlp_cross_entropy", Loss::CrossEntropy, {"REF"}},
                      CurveCase{"mlp_cross_entropy", Loss::CrossEntropy, {"CPU", "REF"}},
                      CurveCase{"dense_block_bce", Loss::BinaryCrossEntropy, {"REF"}},
                      CurveCase{"dense_block_bce", Loss::BinaryCrossEntropy, {"CPU", "REF"}},
                      CurveCase{"transformer_encoder", Loss::CrossEntropy, {"REF"}},
                      CurveCase{"transformer_encoder", Loss::CrossEntropy, {"CPU", "REF"}},
                      CurveCase{"lstm_classifier", Loss::CrossEntropy, {"REF"}},
                      CurveCase{"lstm_classifier", Loss::CrossEntropy, {"CPU", "REF"}}),
    [](const auto& info) {
      return info.param.model + (info.param.devices.size() > 1 ? "_cpu" : "_ref");
    });

}  // namespace
}  // namespace zenith::train
