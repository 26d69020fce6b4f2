// Reshape, Flatten and Transpose on the CPU device, from blocked and plain inputs.
#include "cpu/differential.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

const std::vector<int64_t> kSame = {1, 1, 1, 1};

// A 3x3 Conv of 32 channels (its output in 16-channel blocks), then `tail` reading "c".
std::shared_ptr<ir::Graph> after_conv(std::vector<ir::Node> tail, std::map<std::string, ir::Tensor> init = {}) {
  std::vector<ir::Node> nodes = {make_node("Conv", {"X", "W"}, {"c"}, {{"pads", kSame}})};
  nodes.insert(nodes.end(), tail.begin(), tail.end());
  init["W"] = random_tensor({32, 16, 3, 3}, 2);
  return make_graph(std::move(nodes), {"X"}, {"Y"}, init);
}

ir::Tensor int64_tensor(std::vector<int64_t> values) {
  ir::Tensor t(ir::DType::I64, {static_cast<int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<int64_t>());
  return t;
}

TEST(CpuReshape, FlattenReshapeAndTransposeOfABlockedTensor) {
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({2, 16, 5, 7}, 1)}};
  expect_cpu_matches_ref(*after_conv({make_node("Flatten", {"c"}, {"Y"})}), feeds, testing::kWinograd);
  expect_cpu_matches_ref(*after_conv({make_node("Flatten", {"c"}, {"Y"}, {{"axis", int64_t{-2}}})}), feeds,
                         testing::kWinograd);
  expect_cpu_matches_ref(
      *after_conv({make_node("Reshape", {"c", "shape"}, {"r"}), make_node("Relu", {"r"}, {"Y"})},
                  {{"shape", int64_tensor({0, 8, -1})}}),
      feeds, testing::kWinograd);
  expect_cpu_matches_ref(*after_conv({make_node("Transpose", {"c"}, {"Y"}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}})}),
                         feeds, testing::kWinograd);
  expect_cpu_matches_ref(*after_conv({make_node("Transpose", {"c"}, {"Y"})}), feeds, testing::kWinograd);
}

TEST(CpuReshape, PlainInputsAndErrorsAsOnRef) {
  const auto t = make_graph({make_node("Transpose", {"X"}, {"Y"}, {{"perm", std::vector<int64_t>{2, 0, 1}}})},
                            {"X"}, {"Y"}, {});
  expect_cpu_matches_ref(*t, {{"X", random_tensor({3, 4, 5}, 1)}});
  const auto r = make_graph({make_node("Reshape", {"X", "shape"}, {"Y"})}, {"X"}, {"Y"},
                            {{"shape", int64_tensor({-1, 6})}});
  expect_cpu_matches_ref(*r, {{"X", random_tensor({4, 3}, 1)}});
  // A shape that does not fit: REF's message, from the CPU step.
  const hetero::HeteroPlan plan(*r, {"CPU", "REF"});
  try {
    plan.run({{"X", random_tensor({5, 5}, 1)}}, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot infer the -1 dim"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Reshape"), std::string::npos) << e.what();
  }
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
}

}  // namespace
}  // namespace zenith
