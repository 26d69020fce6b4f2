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

void expect_near(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-5) << i;
}

// One real signal [1, 2, 3, 4] as [batch 1, length 4, 1].
const ir::Tensor kSignal = make_tensor<float>({1, 4, 1}, {1, 2, 3, 4});

TEST(RefDft, RealSignalFullSpectrum) {
  auto out = run_node("DFT", {kSignal});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 4, 2}));
  expect_near(values_of<float>(out[0]), {10, 0, -2, 2, -2, 0, -2, -2});
}

TEST(RefDft, OnesidedAndZeroPaddedLength) {
  auto out = run_node("DFT", {kSignal, ir::Tensor::scalar<int64_t>(8)}, {{"onesided", int64_t{1}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 5, 2}));
  const std::vector<float> y = values_of<float>(out[0]);
  EXPECT_NEAR(y[0], 10, 1e-5);
  EXPECT_NEAR(y[8], -2, 1e-5);  // X[4] = 1 - 2 + 3 - 4
}

TEST(RefDft, InverseUndoesForwardAlongAxis2) {
  // [batch 1, 1, 4, 2]: a complex signal along axis 2.
  const ir::Tensor x = make_tensor<float>({1, 1, 4, 2}, {1, -1, 2, 0, 0, 3, -4, 1});
  auto spectrum = run_node("DFT", {x}, {{"axis", int64_t{2}}});
  auto back =
      run_node("DFT", {spectrum[0].tensor()}, {{"axis", int64_t{-2}}, {"inverse", int64_t{1}}});
  expect_near(values_of<float>(back[0]), values_of<float>(x));
}

TEST(RefDft, AxisOnTheComponentDimIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("DFT", {kSignal}, {{"axis", int64_t{2}}});
      },
      Error::Kind::InvalidModel);
  EXPECT_NE(message.find("axis"), std::string::npos) << message;
}

TEST(RefStft, FramesWithWindow) {
  // Frames [1, 2], [3, 4] (step 2), windowed by [1, 0]: each spectrum is flat at the first sample.
  auto out =
      run_node("STFT", {kSignal, ir::Tensor::scalar<int64_t>(2), make_tensor<float>({2}, {1, 0})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 2, 2, 2}));
  expect_near(values_of<float>(out[0]), {1, 0, 1, 0, 3, 0, 3, 0});
}

TEST(RefStft, FrameLongerThanSignalIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("STFT", {kSignal, ir::Tensor::scalar<int64_t>(1), ir::Tensor(),
                          ir::Tensor::scalar<int64_t>(5)});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("frame_length=5"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
