#include <gtest/gtest.h>

#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_tensor;
using testing::run_node;

TEST(RefMatMul, OneDimensionalOperandsAndBatchBroadcast) {
  // [2, 1, 2, 3] x [3] -> [2, 1, 2]: the promoted axis of B is dropped.
  auto a = make_tensor<float>({2, 1, 2, 3}, {1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0});
  auto b = make_tensor<float>({3}, {1, 10, 100});
  auto out = run_node("MatMul", {a, b});
  const ir::Tensor& y = out[0].tensor();
  ASSERT_EQ(y.dims(), (ir::Dims{2, 1, 2}));
  EXPECT_EQ(y.data<float>()[0], 321);
  EXPECT_EQ(y.data<float>()[3], 10);
}

TEST(RefMatMul, IntegerWrapsLikeInt32) {
  auto a = make_tensor<int32_t>({1, 1}, {65536});
  auto b = make_tensor<int32_t>({1, 1}, {65536});
  auto out = run_node("MatMul", {a, b});
  EXPECT_EQ(out[0].tensor().data<int32_t>()[0], 0);
}

TEST(RefGemm, TransposesScalesAndBroadcastsC) {
  auto a = make_tensor<float>({2, 1}, {1, 2});  // transA -> [1, 2]
  auto b = make_tensor<float>({2, 2}, {1, 2, 3, 4});
  auto c = make_tensor<float>({2}, {100, 200});
  auto out = run_node("Gemm", {a, b, c}, {{"transA", int64_t{1}}, {"alpha", 2.0f}, {"beta", 0.5f}});
  const ir::Tensor& y = out[0].tensor();
  ASSERT_EQ(y.dims(), (ir::Dims{1, 2}));
  EXPECT_EQ(y.data<float>()[0], 2 * 7 + 50);
  EXPECT_EQ(y.data<float>()[1], 2 * 10 + 100);
}

TEST(RefMatMul, MismatchedInnerDimsIsInvalidArgument) {
  auto a = make_tensor<float>({2, 3}, std::vector<float>(6, 1));
  auto b = make_tensor<float>({2, 3}, std::vector<float>(6, 1));
  try {
    run_node("MatMul", {a, b});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("different K"), std::string::npos) << e.what();
  }
}

TEST(RefQLinearMatMul, RequantizesWithRoundHalfEven) {
  // (3 - 1) * (2 - 0) * 0.5 * 1 / 1.6 = 1.25 -> 1, plus y zero point 10.
  auto out =
      run_node("QLinearMatMul", {make_tensor<uint8_t>({1, 1}, {3}), make_tensor<float>({}, {0.5f}),
                                 make_tensor<uint8_t>({}, {1}), make_tensor<uint8_t>({1, 1}, {2}),
                                 make_tensor<float>({}, {1.0f}), make_tensor<uint8_t>({}, {0}),
                                 make_tensor<float>({}, {1.6f}), make_tensor<uint8_t>({}, {10})});
  EXPECT_EQ(out[0].tensor().data<uint8_t>()[0], 11);
}

TEST(RefEinsum, DiagonalEllipsisAndImplicitOutput) {
  auto x = make_tensor<float>({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  auto trace = run_node("Einsum", {x}, {{"equation", std::string("...ii->...")}});
  ASSERT_EQ(trace[0].tensor().dims(), (ir::Dims{2}));
  EXPECT_EQ(trace[0].tensor().data<float>()[0], 5);
  EXPECT_EQ(trace[0].tensor().data<float>()[1], 13);
  // Implicit mode: "ij,jk" sums j and keeps i, k in alphabetical order.
  auto a = make_tensor<float>({1, 2}, {1, 2});
  auto b = make_tensor<float>({2, 1}, {3, 4});
  auto mm = run_node("Einsum", {a, b}, {{"equation", std::string("ij,jk")}});
  EXPECT_EQ(mm[0].tensor().data<float>()[0], 11);
}

TEST(RefEinsum, OperandCountMismatchIsInvalidModel) {
  auto a = make_tensor<float>({2}, {1, 2});
  try {
    run_node("Einsum", {a}, {{"equation", std::string("i,i->")}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidModel);
  }
}

}  // namespace
}  // namespace zenith
