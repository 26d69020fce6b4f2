// XXH64 against values of the reference implementation (libxxhash 0.8.1, seed 0), covering each
// tail length path and the four-lane loop.
#include "ir/xxhash64.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace zenith::ir {
namespace {

uint64_t hash_of(std::string_view text) { return xxhash64(std::as_bytes(std::span(text))); }

uint64_t hash_of_first(size_t n) {
  std::vector<std::byte> bytes(n);
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::byte>(i);
  return xxhash64(bytes);
}

TEST(ZirXxhash64, MatchesTheReferenceImplementation) {
  EXPECT_EQ(hash_of(""), 0xef46db3751d8e999u);
  EXPECT_EQ(hash_of("a"), 0xd24ec4f1a98c6e5bu);
  EXPECT_EQ(hash_of("abc"), 0x44bc2cf5ad770999u);
  EXPECT_EQ(hash_of("zenith"), 0x4f6e91f64c353e9cu);
  EXPECT_EQ(hash_of_first(7), 0x14cc643f630c72d2u);
  EXPECT_EQ(hash_of_first(31), 0xc346d2b59b4d8ee1u);
  EXPECT_EQ(hash_of_first(32), 0xcbf59c5116ff32b4u);
  EXPECT_EQ(hash_of_first(100), 0x6ac1e58032166597u);
}

}  // namespace
}  // namespace zenith::ir
