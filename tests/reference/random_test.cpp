#include <gtest/gtest.h>

#include <numeric>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefBernoulli, CertainProbabilitiesAndDtype) {
  auto out = run_node("Bernoulli", {make_tensor<float>({4}, {0, 1, 0, 1})},
                      {{"dtype", int64_t{9}}});  // BOOL
  EXPECT_EQ(out[0].tensor().dtype(), ir::DType::Bool);
  EXPECT_EQ(values_of<bool>(out[0]), (std::vector<bool>{false, true, false, true}));
}

TEST(RefBernoulli, MeanFollowsTheProbabilityAndSeedRepeats) {
  ir::Tensor p(ir::DType::F64, {20000});
  for (int64_t i = 0; i < p.numel(); ++i) p.data<double>()[i] = 0.3;
  const std::map<std::string, ir::Attribute> seed = {{"seed", 5.0f}};
  const std::vector<double> a = values_of<double>(run_node("Bernoulli", {p}, seed)[0]);
  const double mean = std::accumulate(a.begin(), a.end(), 0.0) / double(a.size());
  EXPECT_NEAR(mean, 0.3, 0.02);
  EXPECT_EQ(values_of<double>(run_node("Bernoulli", {p}, seed)[0]), a);
}

TEST(RefBernoulli, ProbabilityOutsideUnitIntervalIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Bernoulli", {make_tensor<float>({2}, {0.5f, 1.5f})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("probability 1.5"), std::string::npos) << message;
}

TEST(RefRandomUniformLike, ShapeDtypeAndRange) {
  const ir::Tensor like(ir::DType::I32, {100, 50});
  auto out = run_node("RandomUniformLike", {like},
                      {{"dtype", int64_t{1}}, {"low", -2.0f}, {"high", 4.0f}});
  EXPECT_EQ(out[0].tensor().dims(), like.dims());
  const std::vector<float> v = values_of<float>(out[0]);
  for (float x : v) ASSERT_TRUE(x >= -2 && x <= 4) << x;
  EXPECT_NEAR(std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()), 1.0, 0.1);
}

TEST(RefRandomUniformLike, IntegerOutputIsAnError) {
  const std::string message =
      error_message([] { run_node("RandomUniformLike", {ir::Tensor(ir::DType::I32, {2})}); },
                    Error::Kind::InvalidModel);
  EXPECT_NE(message.find("dtype"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
