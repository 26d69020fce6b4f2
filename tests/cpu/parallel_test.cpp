// The CPU device's loop splitting: every index once, and no OpenMP region for small loops.
#include "devices/cpu/parallel.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <vector>

namespace zenith::cpu {
namespace {

// Restores the calling thread's OpenMP thread count.
class Threads {
 public:
  explicit Threads(int n) : saved_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~Threads() { omp_set_num_threads(saved_); }
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;

 private:
  int saved_;
};

TEST(CpuParallel, RangesCoverEveryIndexOnceInOrder) {
  const Threads threads(3);
  for (int64_t n : {1, 2, 5, 1000}) {
    std::vector<std::atomic<int>> seen(static_cast<size_t>(n));
    std::atomic<int> ranges{0};
    parallel_ranges(n, true, [&](int64_t begin, int64_t end) {
      ASSERT_LT(begin, end);
      ++ranges;
      for (int64_t i = begin; i < end; ++i) ++seen[static_cast<size_t>(i)];
    });
    for (int64_t i = 0; i < n; ++i)
      EXPECT_EQ(seen[static_cast<size_t>(i)], 1) << "n=" << n << " i=" << i;
    EXPECT_EQ(ranges, n == 1 ? 1 : std::min<int64_t>(n, 3)) << "n=" << n;
  }
}

TEST(CpuParallel, SmallLoopsAndOneThreadEnterNoRegion) {
  auto expect_serial = [](int64_t n, bool worth_splitting) {
    int calls = 0;
    parallel_ranges(n, worth_splitting, [&](int64_t begin, int64_t end) {
      EXPECT_FALSE(omp_in_parallel());
      EXPECT_EQ(begin, 0);
      EXPECT_EQ(end, n);
      ++calls;
    });
    EXPECT_EQ(calls, 1);
  };
  {
    const Threads threads(2);
    expect_serial(100, false);
    expect_serial(1, true);
  }
  const Threads threads(1);
  expect_serial(100, true);
}

TEST(CpuParallel, ForVisitsEveryIndex) {
  const Threads threads(2);
  std::vector<std::atomic<int>> seen(77);
  parallel_for(77, true, [&](int64_t i) { ++seen[static_cast<size_t>(i)]; });
  for (const auto& s : seen) EXPECT_EQ(s, 1);
  int empty_calls = 0;
  parallel_for(0, true, [&](int64_t) { ++empty_calls; });
  EXPECT_EQ(empty_calls, 0);
}

}  // namespace
}  // namespace zenith::cpu
