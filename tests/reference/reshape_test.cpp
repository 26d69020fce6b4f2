#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

ir::Tensor iota_f32(ir::Dims dims) {
  ir::Tensor t(ir::DType::F32, dims);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

TEST(RefReshape, ZeroCopiesDimAndMinusOneIsInferred) {
  auto out = run_node("Reshape", {iota_f32({2, 3, 4}), make_tensor<int64_t>({3}, {0, -1, 2})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 6, 2}));
  EXPECT_EQ(values_of<float>(out[0])[11], 11.0f);
}

TEST(RefReshape, AllowZeroKeepsZeroAsADim) {
  auto out =
      run_node("Reshape", {ir::Tensor(ir::DType::F32, {0, 3}), make_tensor<int64_t>({2}, {3, 0})},
               {{"allowzero", int64_t{1}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{3, 0}));
}

TEST(RefReshape, MismatchedCountIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Reshape", {iota_f32({2, 3}), make_tensor<int64_t>({2}, {4, 2})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("'shape' [4,2]"), std::string::npos) << message;
}

TEST(RefReshape, TwoInferredDimsAreAnError) {
  error_message(
      [] {
        run_node("Reshape", {iota_f32({6}), make_tensor<int64_t>({2}, {-1, -1})});
      },
      Error::Kind::InvalidArgument);
}

TEST(RefFlatten, NegativeAxisSplitsFromTheEnd) {
  auto out = run_node("Flatten", {iota_f32({2, 3, 4})}, {{"axis", int64_t{-1}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{6, 4}));
  out = run_node("Flatten", {iota_f32({2, 3})}, {{"axis", int64_t{0}}});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 6}));
}

TEST(RefSqueeze, WithoutAxesDropsEveryUnitDim) {
  auto out = run_node("Squeeze", {iota_f32({1, 3, 1, 2})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{3, 2}));
  out = run_node("Squeeze", {iota_f32({1, 3, 1, 2}), make_tensor<int64_t>({1}, {-2})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 3, 2}));
}

TEST(RefSqueeze, NonUnitAxisIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Squeeze", {iota_f32({1, 3}), make_tensor<int64_t>({1}, {1})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("not 1"), std::string::npos) << message;
}

TEST(RefUnsqueeze, AxesCountAgainstTheOutputRank) {
  auto out = run_node("Unsqueeze", {iota_f32({3, 4}), make_tensor<int64_t>({2}, {-1, 0})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{1, 3, 4, 1}));
  error_message(
      [] {
        run_node("Unsqueeze", {iota_f32({3}), make_tensor<int64_t>({2}, {0, 0})});
      },
      Error::Kind::InvalidArgument);
}

TEST(RefIdentity, PassesStringsThrough) {
  auto out = run_node("Identity", {make_tensor<std::string>({2}, {"a", "bc"})});
  EXPECT_EQ(values_of<std::string>(out[0]), (std::vector<std::string>{"a", "bc"}));
}

}  // namespace
}  // namespace zenith
