#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefConstantOfShape, DefaultsToF32ZeroAndTakesTheValueDtype) {
  auto out = run_node("ConstantOfShape", {make_tensor<int64_t>({2}, {2, 1})});
  EXPECT_EQ(out[0].tensor().dtype(), ir::DType::F32);
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{0, 0}));
  out = run_node("ConstantOfShape", {make_tensor<int64_t>({1}, {3})},
                 {{"value", make_tensor<int32_t>({1}, {7})}});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{7, 7, 7}));
}

TEST(RefEyeLike, OffDiagonalAndDtypeCode) {
  auto out = run_node("EyeLike", {ir::Tensor(ir::DType::F32, {2, 3})},
                      {{"k", int64_t{1}}, {"dtype", int64_t{7}}});
  EXPECT_EQ(out[0].tensor().dtype(), ir::DType::I64);
  EXPECT_EQ(values_of<int64_t>(out[0]), (std::vector<int64_t>{0, 1, 0, 0, 0, 1}));
}

TEST(RefRange, CountsUpAndDown) {
  auto out = run_node("Range", {ir::Tensor::scalar<int32_t>(10), ir::Tensor::scalar<int32_t>(4),
                                ir::Tensor::scalar<int32_t>(-3)});
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{10, 7}));
  out = run_node("Range", {ir::Tensor::scalar<float>(0), ir::Tensor::scalar<float>(1),
                           ir::Tensor::scalar<float>(0.25f)});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
}

TEST(RefRange, LongI16RangeDoesNotWrap) {
  auto out =
      run_node("Range", {ir::Tensor::scalar<int16_t>(-30000), ir::Tensor::scalar<int16_t>(30000),
                         ir::Tensor::scalar<int16_t>(1)});
  const auto values = values_of<int16_t>(out[0]);
  ASSERT_EQ(values.size(), 60000u);
  EXPECT_EQ(values.back(), 29999);
}

TEST(RefRange, ZeroDeltaIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Range", {ir::Tensor::scalar<int64_t>(0), ir::Tensor::scalar<int64_t>(4),
                           ir::Tensor::scalar<int64_t>(0)});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("'delta'"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
