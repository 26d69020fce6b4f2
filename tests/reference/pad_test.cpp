#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

const ir::Tensor kRow = make_tensor<float>({1, 3}, {1, 2, 3});

std::vector<float> pad_row(const std::string& mode, std::vector<int64_t> pads) {
  auto out = run_node("Pad", {kRow, make_tensor<int64_t>({4}, std::move(pads))}, {{"mode", mode}});
  return values_of<float>(out[0]);
}

TEST(RefPad, ModesAgreeWithNumpy) {
  EXPECT_EQ(pad_row("reflect", {0, 2, 0, 2}), (std::vector<float>{3, 2, 1, 2, 3, 2, 1}));
  EXPECT_EQ(pad_row("edge", {0, 2, 0, 1}), (std::vector<float>{1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(pad_row("wrap", {0, 1, 0, 1}), (std::vector<float>{3, 1, 2, 3, 1}));
  EXPECT_EQ(pad_row("constant", {0, -1, 0, 1}), (std::vector<float>{2, 3, 0}));
}

TEST(RefPad, ConstantValueAndAxes) {
  auto out = run_node("Pad", {kRow, make_tensor<int64_t>({2}, {1, 0}), ir::Tensor::scalar<float>(7),
                              make_tensor<int64_t>({1}, {-1})});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{7, 1, 2, 3}));
}

TEST(RefPad, WrongPadsLengthIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Pad", {kRow, make_tensor<int64_t>({2}, {1, 1})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("'pads'"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
