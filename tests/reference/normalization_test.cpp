#include <gtest/gtest.h>

#include <cmath>

#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_tensor;
using testing::run_node;

TEST(RefNormalization, LayerNormOutputsMeanAndInvStdDev) {
  auto x = make_tensor<float>({2, 2}, {1, 3, 0, 0});
  auto scale = make_tensor<float>({2}, {1, 2});
  auto out = run_node("LayerNormalization", {x, scale}, {{"epsilon", 0.0f}}, 3);
  const float* y = out[0].tensor().data<float>();
  EXPECT_FLOAT_EQ(y[0], -1);
  EXPECT_FLOAT_EQ(y[1], 2);
  ASSERT_EQ(out[1].tensor().dims(), (ir::Dims{2, 1}));
  EXPECT_FLOAT_EQ(out[1].tensor().data<float>()[0], 2);
  EXPECT_FLOAT_EQ(out[2].tensor().data<float>()[0], 1);
}

TEST(RefNormalization, BatchNormTrainingUpdatesRunningStats) {
  auto x = make_tensor<float>({2, 1}, {1, 3});
  auto one = make_tensor<float>({1}, {1});
  auto zero = make_tensor<float>({1}, {0});
  auto out = run_node("BatchNormalization", {x, one, zero, zero, one},
                      {{"training_mode", int64_t{1}}, {"epsilon", 0.0f}, {"momentum", 0.5f}}, 3);
  EXPECT_FLOAT_EQ(out[0].tensor().data<float>()[0], -1);
  EXPECT_FLOAT_EQ(out[1].tensor().data<float>()[0], 1);  // 0 * 0.5 + 2 * 0.5
  EXPECT_FLOAT_EQ(out[2].tensor().data<float>()[0], 1);  // 1 * 0.5 + 1 * 0.5
}

TEST(RefNormalization, DropoutInferenceIsIdentityWithTrueMask) {
  auto x = make_tensor<float>({3}, {1, 2, 3});
  auto out = run_node("Dropout", {x, make_tensor<float>({}, {0.9f})}, {}, 2);
  EXPECT_EQ(out[0].tensor().data<float>()[2], 3);
  EXPECT_TRUE(out[1].tensor().data<bool>()[1]);
}

TEST(RefNormalization, BatchNormWrongStatShapeIsInvalidArgument) {
  auto x = make_tensor<float>({1, 2}, {1, 2});
  auto one = make_tensor<float>({1}, {1});
  try {
    run_node("BatchNormalization", {x, one, one, one, one});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("scale"), std::string::npos) << e.what();
  }
}

TEST(RefQuantize, PerAxisRoundTrip) {
  auto x = make_tensor<float>({1, 2}, {2.5f, -3.0f});
  auto scale = make_tensor<float>({2}, {1.0f, 2.0f});
  auto zp = make_tensor<int8_t>({2}, {0, 1});
  auto q = run_node("QuantizeLinear", {x, scale, zp});
  const int8_t* qv = q[0].tensor().data<int8_t>();
  EXPECT_EQ(qv[0], 2);   // 2.5 rounds half to even
  EXPECT_EQ(qv[1], -1);  // -1.5 -> -2, plus 1
  auto d = run_node("DequantizeLinear", {q[0].tensor(), scale, zp});
  EXPECT_FLOAT_EQ(d[0].tensor().data<float>()[1], -4.0f);
}

TEST(RefDet, PivotsAndSigns) {
  auto x = make_tensor<float>({2, 2}, {0, 1, 1, 0});
  EXPECT_FLOAT_EQ(run_node("Det", {x})[0].tensor().data<float>()[0], -1);
}

}  // namespace
}  // namespace zenith
