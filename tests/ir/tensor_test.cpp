#include "ir/tensor.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <vector>

namespace zenith::ir {
namespace {

TEST(Tensor, StorageIs64ByteAlignedAndZeroed) {
  Tensor t(DType::F32, {3, 5});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % kTensorAlignment, 0u);
  EXPECT_EQ(t.numel(), 15);
  for (int i = 0; i < 15; ++i) EXPECT_EQ(t.data<float>()[i], 0.0f);
}

TEST(Tensor, AbsurdShapeIsAClearErrorNotAnAllocation) {
  try {
    Tensor t(DType::F32, {int64_t{1} << 20, int64_t{1} << 20});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("[1048576,1048576]"), std::string::npos) << e.what();
  }
}

TEST(Tensor, OverflowingShapeIsRejected) {
  EXPECT_THROW(Tensor(DType::U8, {INT64_MAX, 4}), Error);
  EXPECT_THROW(Tensor(DType::U8, {-1}), Error);
}

TEST(Tensor, WrongTypedAccessIsAnInternalError) {
  Tensor t(DType::I64, {2});
  EXPECT_THROW(t.data<float>(), Error);
}

TEST(Tensor, ReshapedSharesStorageAndCloneDoesNot) {
  Tensor t(DType::I32, {2, 3});
  Tensor r = t.reshaped({3, 2});
  Tensor c = t.clone();
  t.data<int32_t>()[4] = 7;
  EXPECT_EQ(r.data<int32_t>()[4], 7);
  EXPECT_EQ(c.data<int32_t>()[4], 0);
  EXPECT_THROW(t.reshaped({4}), Error);
}

TEST(Tensor, StringTensorsHoldStrings) {
  Tensor t(DType::String, {2});
  t.data<std::string>()[1] = "hello";
  Tensor c = t.clone();
  EXPECT_EQ(c.data<std::string>()[1], "hello");
}

// Every bit pattern, in a buffer whose length is not a multiple of the vector width; signalling
// NaNs may come out quiet, so NaNs are compared as NaNs.
TEST(Float16, WideningABufferMatchesTheScalarConversion) {
  std::vector<uint16_t> halves(65536 + 5);
  for (size_t i = 0; i < halves.size(); ++i) halves[i] = static_cast<uint16_t>(i);
  std::vector<float> floats(halves.size());
  widen_f16(halves.data(), floats.data(), halves.size());
  for (size_t i = 0; i < halves.size(); ++i) {
    const float expected = Float16::to_float(halves[i]);
    if (std::isnan(expected))
      EXPECT_TRUE(std::isnan(floats[i])) << i;
    else
      EXPECT_EQ(std::bit_cast<uint32_t>(floats[i]), std::bit_cast<uint32_t>(expected)) << i;
  }
}

TEST(Float16, RoundTripsRepresentableValues) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f})
    EXPECT_EQ(static_cast<float>(Float16(v)), v) << v;
  EXPECT_TRUE(std::isinf(static_cast<float>(Float16(1e6f))));
  EXPECT_TRUE(std::isnan(static_cast<float>(Float16(NAN))));
  EXPECT_EQ(Float16(1.0f + 1.0f / 4096).bits, Float16(1.0f).bits);  // ties to even
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(static_cast<float>(BFloat16(1.0f)), 1.0f);
  EXPECT_EQ(static_cast<float>(BFloat16(3.140625f)), 3.140625f);
  EXPECT_TRUE(std::isnan(static_cast<float>(BFloat16(NAN))));
}

}  // namespace
}  // namespace zenith::ir
