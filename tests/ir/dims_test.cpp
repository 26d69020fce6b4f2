// Dims behaves as std::vector<int64_t> does, in place and past its inline capacity, which is
// where a slip (a stale inline pointer after a move, a lost value when it grows) would show.
#include "ir/dims.h"

#include <gtest/gtest.h>

#include <numeric>
#include <stdexcept>
#include <vector>

namespace zenith::ir {
namespace {

// 0, 1, ..., n-1 as Dims and as the vector they must equal.
Dims iota_dims(size_t n) {
  Dims d(n);
  std::iota(d.begin(), d.end(), 0);
  return d;
}

std::vector<int64_t> iota_vector(size_t n) {
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

class DimsBySize : public ::testing::TestWithParam<size_t> {};

TEST_P(DimsBySize, CopiesAndMovesKeepTheValues) {
  const size_t n = GetParam();
  const Dims original = iota_dims(n);
  EXPECT_EQ(std::vector<int64_t>(original), iota_vector(n));

  Dims copy = original;
  copy[0] = 100;  // a copy owns its values
  EXPECT_EQ(original[0], 0);

  Dims moved = std::move(copy);
  EXPECT_EQ(moved[0], 100);
  EXPECT_EQ(moved.size(), n);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty, usable
  copy.push_back(7);
  EXPECT_EQ(copy, (Dims{7}));

  Dims assigned{1, 2};
  assigned = moved;
  EXPECT_EQ(assigned, moved);
  assigned = std::move(moved);
  EXPECT_EQ(assigned[0], 100);
  EXPECT_EQ(assigned.size(), n);
  assigned = assigned;  // NOLINT: self-assignment keeps the values
  EXPECT_EQ(assigned.size(), n);
}

TEST_P(DimsBySize, GrowsAndShrinksAsAVectorDoes) {
  const size_t n = GetParam();
  Dims d;
  std::vector<int64_t> v;
  for (size_t i = 0; i < n; ++i) {
    d.push_back(static_cast<int64_t>(i) * 3);
    v.push_back(static_cast<int64_t>(i) * 3);
  }
  d.insert(d.begin(), -1);
  v.insert(v.begin(), -1);
  d.insert(d.begin() + 1, size_t{3}, 9);
  v.insert(v.begin() + 1, size_t{3}, 9);
  const std::vector<int64_t> more = {5, 6, 7, 8, 9, 10, 11, 12, 13};
  d.insert(d.end() - 1, more.begin(), more.end());
  v.insert(v.end() - 1, more.begin(), more.end());
  EXPECT_EQ(std::vector<int64_t>(d), v);
  d.erase(d.begin() + 2, d.begin() + 6);
  v.erase(v.begin() + 2, v.begin() + 6);
  d.erase(d.begin());
  v.erase(v.begin());
  EXPECT_EQ(std::vector<int64_t>(d), v);
  d.resize(n + 20, 4);
  v.resize(n + 20, 4);
  EXPECT_EQ(std::vector<int64_t>(d), v);
  d.resize(1);
  v.resize(1);
  EXPECT_EQ(std::vector<int64_t>(d), v);
  d.pop_back();
  EXPECT_TRUE(d.empty());
}

// Inline, exactly full, and on the heap.
INSTANTIATE_TEST_SUITE_P(Sizes, DimsBySize, ::testing::Values(1, 4, Dims::kInline, 20));

TEST(Dims, ComparesAsAVectorDoes) {
  EXPECT_EQ((Dims{1, 2, 3}), (Dims{1, 2, 3}));
  EXPECT_NE((Dims{1, 2, 3}), (Dims{1, 2}));
  EXPECT_LT((Dims{1, 2}), (Dims{1, 2, 3}));
  EXPECT_LT((Dims{1, 2, 3}), (Dims{1, 3}));
  EXPECT_EQ(iota_dims(20), Dims(iota_vector(20)));
  EXPECT_NE(iota_dims(20), iota_dims(21));
}

TEST(Dims, AtChecksTheIndex) {
  const Dims d{4, 5};
  EXPECT_EQ(d.at(1), 5);
  EXPECT_THROW((void)d.at(2), std::out_of_range);
}

TEST(Dims, ConvertsToAndFromVectors) {
  const std::vector<int64_t> v = {2, 3, 224, 224};
  const Dims d = v;
  const std::vector<int64_t> back = d;
  EXPECT_EQ(back, v);
  EXPECT_EQ(Dims(v.begin(), v.end()), d);
  EXPECT_EQ((Dims(size_t{3}, 7)), (Dims{7, 7, 7}));
}

}  // namespace
}  // namespace zenith::ir
