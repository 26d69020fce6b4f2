#include <gtest/gtest.h>

#include <cmath>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefActivations, EluAndSeluUseTheirAttributes) {
  auto x = make_tensor<float>({2}, {-1.0f, 2.0f});
  auto elu = values_of<float>(run_node("Elu", {x}, {{"alpha", 2.0f}})[0]);
  EXPECT_NEAR(elu[0], 2.0f * (std::exp(-1.0f) - 1.0f), 1e-6);
  EXPECT_EQ(elu[1], 2.0f);
  auto selu = values_of<float>(run_node("Selu", {x}, {{"alpha", 2.0f}, {"gamma", 3.0f}})[0]);
  EXPECT_NEAR(selu[0], 3.0f * 2.0f * (std::exp(-1.0f) - 1.0f), 1e-6);
  EXPECT_EQ(selu[1], 6.0f);
}

TEST(RefActivations, HardSigmoidAndHardSwishClamp) {
  auto x = make_tensor<float>({3}, {-10.0f, 0.0f, 10.0f});
  EXPECT_EQ(values_of<float>(run_node("HardSigmoid", {x})[0]), (std::vector<float>{0, 0.5f, 1}));
  EXPECT_EQ(values_of<float>(run_node("HardSwish", {x})[0]), (std::vector<float>{0, 0, 10}));
}

TEST(RefActivations, SoftplusDoesNotOverflow) {
  auto y = values_of<float>(run_node("Softplus", {make_tensor<float>({2}, {100.0f, 0.0f})})[0]);
  EXPECT_EQ(y[0], 100.0f);
  EXPECT_NEAR(y[1], std::log(2.0f), 1e-6);
}

TEST(RefActivations, ShrinkWorksOnIntegers) {
  auto y = run_node("Shrink", {make_tensor<int32_t>({3}, {-5, 1, 5})},
                    {{"lambd", 1.5f}, {"bias", 2.0f}});
  EXPECT_EQ(values_of<int32_t>(y[0]), (std::vector<int32_t>{-3, 0, 3}));
}

TEST(RefActivations, CeluRejectsZeroAlpha) {
  const std::string message = error_message(
      [] {
        run_node("Celu", {make_tensor<float>({1}, {1})}, {{"alpha", 0.0f}});
      },
      Error::Kind::InvalidModel);
  EXPECT_NE(message.find("alpha"), std::string::npos) << message;
}

TEST(RefPRelu, BroadcastsSlopePerChannel) {
  auto x = make_tensor<float>({2, 2}, {-1, 1, -2, 2});
  auto y = run_node("PRelu", {x, make_tensor<float>({2}, {0.5f, 3.0f})});
  EXPECT_EQ(values_of<float>(y[0]), (std::vector<float>{-0.5f, 1, -1, 2}));
}

TEST(RefPRelu, RejectsSlopeThatWouldGrowTheOutput) {
  auto x = make_tensor<float>({2}, {-1, 1});
  const std::string message = error_message(
      [&] {
        run_node("PRelu", {x, make_tensor<float>({3, 2}, {1, 1, 1, 1, 1, 1})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("does not broadcast to X"), std::string::npos) << message;
}

TEST(RefClip, OptionalBoundsAndIntegers) {
  auto x = make_tensor<int32_t>({4}, {-5, 0, 5, 10});
  auto only_max = run_node("Clip", {x, ir::Tensor(), ir::Tensor::scalar<int32_t>(4)});
  EXPECT_EQ(values_of<int32_t>(only_max[0]), (std::vector<int32_t>{-5, 0, 4, 4}));
  auto both = run_node("Clip", {x, ir::Tensor::scalar<int32_t>(0), ir::Tensor::scalar<int32_t>(6)});
  EXPECT_EQ(values_of<int32_t>(both[0]), (std::vector<int32_t>{0, 0, 5, 6}));
}

TEST(RefClip, MinAboveMaxGivesMax) {
  auto y = run_node("Clip", {make_tensor<float>({2}, {-1, 9}), ir::Tensor::scalar<float>(5),
                             ir::Tensor::scalar<float>(2)});
  EXPECT_EQ(values_of<float>(y[0]), (std::vector<float>{2, 2}));
}

TEST(RefClip, RejectsNonScalarBoundAndMismatchedDtype) {
  auto x = make_tensor<float>({2}, {1, 2});
  std::string message = error_message(
      [&] {
        run_node("Clip", {x, make_tensor<float>({2}, {0, 1})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("must be a scalar"), std::string::npos) << message;
  message = error_message(
      [&] {
        run_node("Clip", {x, ir::Tensor::scalar<double>(0)});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("must match"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
