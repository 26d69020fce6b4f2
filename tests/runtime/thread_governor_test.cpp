// ThreadGovernor: the thread count per run from the run times it is told (no clocks here), and
// the per-count primitives and warm-up passes it relies on.
#include "runtime/thread_governor.h"

#include <omp.h>

#include "cpu/differential.h"
#include "devices/cpu/cpu_op.h"
#include "devices/cpu/kernel_trace.h"

namespace zenith {
namespace {

using runtime::ThreadGovernor;

// Runs `n` runs, each taking `ms` at the count chosen, or `other_ms` at the other one; returns
// how many used the other count.
int run_for(ThreadGovernor& g, int n, int count, double ms, double other_ms) {
  int other = 0;
  for (int i = 0; i < n; ++i) {
    const int t = g.choose();
    other += t != count;
    g.report(t, t == count ? ms : other_ms);
  }
  return other;
}

TEST(ThreadGovernor, OneThreadLeavesNothingToChoose) {
  ThreadGovernor g(1);
  EXPECT_EQ(g.counts(), std::vector<int>{1});
  EXPECT_EQ(run_for(g, 100, 1, 10, 10), 0);
}

TEST(ThreadGovernor, CandidatesAreAllThreadsAndHalf) {
  EXPECT_EQ(ThreadGovernor(2).counts(), (std::vector<int>{2, 1}));
  EXPECT_EQ(ThreadGovernor(5).counts(), (std::vector<int>{5, 3}));
}

TEST(ThreadGovernor, AnIdleMachineProbesRarely) {
  ThreadGovernor g(2);
  // Times on 2 threads that wander by 40% but never rise far above the best; 1 thread is slower.
  int probes = 0, since_last = 0, longest_gap = 0;
  for (int i = 0; i < 5000; ++i) {
    const int t = g.choose();
    if (t == 1) {
      ++probes;
      longest_gap = std::max(longest_gap, since_last);
      since_last = 0;
    } else {
      ++since_last;
    }
    g.report(t, t == 2 ? 10.0 + static_cast<double>(i % 5) : 19.0);
  }
  EXPECT_GE(probes, 5);
  EXPECT_LE(probes, 18);
  EXPECT_EQ(longest_gap, static_cast<int>(ThreadGovernor::kLastInterval));
}

TEST(ThreadGovernor, TheFirstRunsOfACountAreNotJudged) {
  // 1 thread is faster (a tiny model), but its first two runs lay out buffers and take 100 ms.
  ThreadGovernor g(2);
  int on_one = 0;
  for (int i = 0; i < 40; ++i) {
    const int t = g.choose();
    if (t == 1) ++on_one;
    g.report(t, t == 2 ? 10 : on_one <= 2 ? 100 : 5);
  }
  EXPECT_GE(on_one, 20) << "slow first runs kept it from fewer threads";
}

TEST(ThreadGovernor, APlanStartedOnABusyMachineFindsFewerThreads) {
  ThreadGovernor g(2);
  // Loaded from the first run: the average never rises above the best.
  run_for(g, 100, 2, 25, 15);
  EXPECT_LE(run_for(g, 100, 1, 15, 25), 4) << "it did not settle on 1 thread";
}

TEST(ThreadGovernor, FewerThreadsWinUnderLoadAndAllReturnWhenItGoes) {
  ThreadGovernor g(2);
  EXPECT_LE(run_for(g, 50, 2, 10, 15), 5) << "idle: 1 thread probed, and losing";
  // Another process takes a core: 2 threads now 25 ms, 1 thread 15 ms. The first probe may
  // come before the average has risen all the way, and lose; a later one wins.
  const int on_one = run_for(g, 100, 2, 25, 15);
  EXPECT_GE(on_one, 50) << "the slowdown was not noticed soon enough";
  EXPECT_LE(run_for(g, 100, 1, 15, 25), 4) << "it did not settle on 1 thread";
  // Still loaded: the probes of 2 threads lose and come less often.
  const int probes = run_for(g, 2000, 1, 15, 25);
  EXPECT_GE(probes, 3);
  EXPECT_LE(probes, 9);
  // The load goes: the next probe of 2 threads wins.
  run_for(g, static_cast<int>(ThreadGovernor::kLastInterval) + 1, 1, 15, 10);
  EXPECT_EQ(g.choose(), 2);
}

TEST(ThreadGovernor, ALosingProbeOfFewerThreadsKeepsAllThreads) {
  ThreadGovernor g(2);
  run_for(g, 20, 2, 10, 40);
  // 2 threads slow to 14 ms (1.4x the best), 1 thread takes 40: it is probed, and loses.
  const int probes = run_for(g, 2000, 2, 14, 40);
  EXPECT_GE(probes, 3);
  EXPECT_LE(probes, 12) << "more runs on 1 thread than probes: it switched";
}

TEST(ThreadGovernor, AFailedProbeIsForgotten) {
  ThreadGovernor g(2);
  run_for(g, 20, 2, 10, 10);
  run_for(g, 20, 2, 30, 30);  // the average rises: a probe is due
  int t = g.choose();
  for (int i = 0; i < 40 && t == 2; ++i) {
    g.report(2, 30);
    t = g.choose();
  }
  ASSERT_EQ(t, 1);
  g.cancel(1);
  // Probing again later is possible: the failed probe does not block it forever.
  EXPECT_GT(run_for(g, 600, 2, 30, 10), 0);
}

TEST(CpuPrimitiveCache, BuildsOncePerThreadCount) {
  cpu::PrimitiveCache<int> cache;
  int builds = 0;
  const std::vector<dnnl::memory::desc> key = {cpu::plain_desc({2, 3})};
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2, 1, 2}) {
    omp_set_num_threads(threads);
    EXPECT_EQ(*cache.get(key, [&] { return ++builds; }), threads);
  }
  omp_set_num_threads(saved);
  EXPECT_EQ(builds, 2);
}

TEST(CpuWarmUp, BuildsKernelsForEachThreadCountTheGovernorMayChoose) {
  auto g = testing::make_graph({testing::make_node("Relu", {"X"}, {"Y"})}, {"X"}, {"Y"});
  const std::map<std::string, ir::Value> feeds = {{"X", testing::random_tensor({2, 3})}};
  for (int threads : {1, 2}) {
    runtime::Plan plan(*g, {"CPU", "REF"}, threads);
    const uint64_t before = cpu::onednn_executes();
    plan.warm_up(feeds);
    EXPECT_EQ(cpu::onednn_executes() - before, static_cast<uint64_t>(threads))
        << "one warm-up run per count for " << threads << " threads";
  }
}

}  // namespace
}  // namespace zenith
