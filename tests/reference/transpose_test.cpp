#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefTranspose, DefaultReversesAxes) {
  auto out = run_node("Transpose", {make_tensor<int32_t>({2, 3}, {0, 1, 2, 3, 4, 5})});
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{3, 2}));
  EXPECT_EQ(values_of<int32_t>(out[0]), (std::vector<int32_t>{0, 3, 1, 4, 2, 5}));
}

TEST(RefTranspose, MovesStrings) {
  auto out = run_node("Transpose", {make_tensor<std::string>({1, 2, 2}, {"a", "b", "c", "d"})},
                      {{"perm", std::vector<int64_t>{2, 0, 1}}});
  EXPECT_EQ(values_of<std::string>(out[0]), (std::vector<std::string>{"a", "c", "b", "d"}));
}

TEST(RefTranspose, BadPermIsAnError) {
  const std::string message = error_message(
      [] {
        run_node("Transpose", {make_tensor<float>({2, 2}, {0, 1, 2, 3})},
                 {{"perm", std::vector<int64_t>{0, 0}}});
      },
      Error::Kind::InvalidModel);
  EXPECT_NE(message.find("'perm'"), std::string::npos) << message;
}

TEST(RefDepthToSpace, DcrAndCrdOrderChannelsDifferently) {
  // 4 channels of one pixel each, blocksize 2 -> one channel of 2x2.
  const ir::Tensor x = make_tensor<float>({1, 4, 1, 1}, {0, 1, 2, 3});
  auto dcr = run_node("DepthToSpace", {x}, {{"blocksize", int64_t{2}}});
  EXPECT_EQ(dcr[0].tensor().dims(), (ir::Dims{1, 1, 2, 2}));
  EXPECT_EQ(values_of<float>(dcr[0]), (std::vector<float>{0, 1, 2, 3}));
  const ir::Tensor x2 = make_tensor<float>({1, 8, 1, 1}, {0, 1, 2, 3, 4, 5, 6, 7});
  auto d = run_node("DepthToSpace", {x2}, {{"blocksize", int64_t{2}}});
  auto c =
      run_node("DepthToSpace", {x2}, {{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}});
  EXPECT_EQ(values_of<float>(d[0]), (std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7}));
  EXPECT_EQ(values_of<float>(c[0]), (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(RefSpaceToDepth, InvertsDepthToSpaceDcr) {
  ir::Tensor x(ir::DType::F32, {1, 2, 4, 6});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(i);
  auto s2d = run_node("SpaceToDepth", {x}, {{"blocksize", int64_t{2}}});
  EXPECT_EQ(s2d[0].tensor().dims(), (ir::Dims{1, 8, 2, 3}));
  auto back = run_node("DepthToSpace", {s2d[0].tensor()}, {{"blocksize", int64_t{2}}});
  EXPECT_EQ(values_of<float>(back[0]), values_of<float>(x));
  error_message(
      [&] {
        run_node("SpaceToDepth", {x}, {{"blocksize", int64_t{4}}});
      },
      Error::Kind::InvalidArgument);
}

}  // namespace
}  // namespace zenith
