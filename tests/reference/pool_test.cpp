#include <gtest/gtest.h>

#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_tensor;
using testing::run_node;
using Ints = std::vector<int64_t>;

TEST(RefPool, MaxPoolCeilModeWithIndices) {
  // 1-D input of 5, window 2 stride 2, ceil_mode: the last window holds only element 4.
  auto x = make_tensor<float>({1, 1, 5}, {1, 5, 3, 2, 4});
  auto out =
      run_node("MaxPool", {x},
               {{"kernel_shape", Ints{2}}, {"strides", Ints{2}}, {"ceil_mode", int64_t{1}}}, 2);
  const ir::Tensor& y = out[0].tensor();
  ASSERT_EQ(y.dims(), (ir::Dims{1, 1, 3}));
  EXPECT_EQ(y.data<float>()[0], 5);
  EXPECT_EQ(y.data<float>()[2], 4);
  EXPECT_EQ(out[1].tensor().data<int64_t>()[0], 1);
  EXPECT_EQ(out[1].tensor().data<int64_t>()[2], 4);
}

TEST(RefPool, AveragePoolCountIncludePad) {
  auto x = make_tensor<float>({1, 1, 2}, {2, 4});
  auto pads = Ints{1, 0};
  auto excl = run_node("AveragePool", {x}, {{"kernel_shape", Ints{2}}, {"pads", pads}});
  auto incl =
      run_node("AveragePool", {x},
               {{"kernel_shape", Ints{2}}, {"pads", pads}, {"count_include_pad", int64_t{1}}});
  EXPECT_EQ(excl[0].tensor().data<float>()[0], 2);
  EXPECT_EQ(incl[0].tensor().data<float>()[0], 1);
  EXPECT_EQ(incl[0].tensor().data<float>()[1], 3);
}

TEST(RefPool, GlobalMaxPoolKeepsRank) {
  auto x = make_tensor<float>({1, 2, 2, 1}, {1, 7, -3, -2});
  auto out = run_node("GlobalMaxPool", {x});
  ASSERT_EQ(out[0].tensor().dims(), (ir::Dims{1, 2, 1, 1}));
  EXPECT_EQ(out[0].tensor().data<float>()[1], -2);
}

TEST(RefPool, MaxUnpoolRejectsOutOfRangeIndex) {
  auto x = make_tensor<float>({1, 1, 1, 1}, {3});
  auto i = make_tensor<int64_t>({1, 1, 1, 1}, {9});
  try {
    run_node("MaxUnpool", {x, i}, {{"kernel_shape", Ints{2, 2}}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("outside the unpooled shape"), std::string::npos)
        << e.what();
  }
}

TEST(RefPool, WindowLargerThanInputIsAnError) {
  auto x = make_tensor<float>({1, 1, 2}, {1, 2});
  EXPECT_THROW(run_node("MaxPool", {x}, {{"kernel_shape", Ints{3}}}), Error);
}

}  // namespace
}  // namespace zenith
