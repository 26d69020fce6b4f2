// Random inputs for `zenith run`: deterministic by seed and name, in the documented ranges.
#include "tools/random_fill.h"

#include <gtest/gtest.h>

#include <cstring>

namespace zenith::tools {
namespace {

bool same_bytes(const ir::Tensor& a, const ir::Tensor& b) {
  return a.size_bytes() == b.size_bytes() && std::memcmp(a.raw(), b.raw(), a.size_bytes()) == 0;
}

TEST(RandomFill, SameSeedAndNameGiveSameData) {
  const auto a = tools::random_tensor(ir::DType::F32, {4, 8}, 42, "input");
  const auto b = tools::random_tensor(ir::DType::F32, {4, 8}, 42, "input");
  EXPECT_TRUE(same_bytes(a, b));
}

TEST(RandomFill, SeedAndNameChangeTheData) {
  const auto a = tools::random_tensor(ir::DType::F32, {64}, 1, "input");
  EXPECT_FALSE(same_bytes(a, tools::random_tensor(ir::DType::F32, {64}, 2, "input")));
  EXPECT_FALSE(same_bytes(a, tools::random_tensor(ir::DType::F32, {64}, 1, "other")));
}

TEST(RandomFill, ValuesStayInRange) {
  const auto f = tools::random_tensor(ir::DType::F32, {1000}, 7, "x");
  float lo = 1, hi = -1;
  for (int64_t i = 0; i < f.numel(); ++i) {
    lo = std::min(lo, f.data<float>()[i]);
    hi = std::max(hi, f.data<float>()[i]);
  }
  EXPECT_GE(lo, -1.0f);
  EXPECT_LT(hi, 1.0f);
  EXPECT_LT(lo, -0.9f);  // spread over the whole range, not constant
  EXPECT_GT(hi, 0.9f);
  const auto ints = tools::random_tensor(ir::DType::I64, {1000}, 7, "ids");
  for (int64_t i = 0; i < ints.numel(); ++i) {
    ASSERT_GE(ints.data<int64_t>()[i], 0);
    ASSERT_LE(ints.data<int64_t>()[i], 9);
  }
  const auto half = tools::random_tensor(ir::DType::F16, {16}, 7, "h");
  EXPECT_LE(std::abs(static_cast<float>(half.data<ir::Float16>()[3])), 1.0f);
}

TEST(RandomFill, SymbolicDimsBecomeOneWithANote) {
  std::vector<std::string> notes;
  const ir::Shape shape = {ir::Dim::named("batch"), 3, ir::Dim()};
  EXPECT_EQ(concrete_dims(shape, notes), (ir::Dims{1, 3, 1}));
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0], "dimension 0 'batch' set to 1");
  EXPECT_EQ(notes[1], "unknown dimension 2 set to 1");
}

TEST(RandomFill, HugeShapeIsAnErrorNamingTheInput) {
  try {
    tools::random_tensor(ir::DType::F32, {1 << 20, 1 << 20}, 0, "pixels");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("input 'pixels'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zenith::tools
