// ThreadGovernor: the thread count per run from the run times it is told (no clocks here), and
// the per-count primitives and warm-up passes it relies on.
#include "runtime/thread_governor.h"

#include <omp.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cpu/differential.h"
#include "devices/cpu/cpu_op.h"
#include "devices/cpu/kernel_trace.h"

namespace zenith {
namespace {

using runtime::ThreadGovernor;

// A governor and the preemptions it sees: `preempted` more on each run while loaded.
struct Machine {
  uint64_t preemptions = 0;
  uint64_t preempted = 0;  // per run: 0 is an idle machine
  ThreadGovernor g;
  explicit Machine(int threads) : g(threads, [this] { return preemptions; }) {}
};

// Runs `n` runs, each taking `ms` at the count chosen, or `other_ms` at the other one; returns
// how many used the other count.
int run_for(Machine& m, int n, int count, double ms, double other_ms) {
  int other = 0;
  for (int i = 0; i < n; ++i) {
    const int t = m.g.choose();
    other += t != count;
    m.preemptions += m.preempted;
    m.g.report(t, t == count ? ms : other_ms);
  }
  return other;
}

// A busy neighbour: several preemptions per 10-25 ms run (measured: 400-1,600 a second).
constexpr uint64_t kLoaded = 5;
// Runs on a short model's probe.
constexpr int kProbe = static_cast<int>(ThreadGovernor::kShortProbeRuns);

TEST(ThreadGovernor, OneThreadLeavesNothingToChoose) {
  Machine m(1);
  m.preempted = kLoaded;
  EXPECT_EQ(m.g.counts(), std::vector<int>{1});
  EXPECT_EQ(run_for(m, 100, 1, 10, 10), 0);
}

TEST(ThreadGovernor, CandidatesAreAllThreadsAndHalf) {
  EXPECT_EQ(ThreadGovernor(2).counts(), (std::vector<int>{2, 1}));
  EXPECT_EQ(ThreadGovernor(5).counts(), (std::vector<int>{5, 3}));
}

TEST(ThreadGovernor, AnIdleMachineIsNotProbed) {
  Machine m(2);
  // Times on 2 threads that wander by 40% and rise above 1.3x the best now and then; a
  // preemption every other run (50 a second at 10 ms) is an idle machine's background.
  int probes = 0;
  for (int i = 0; i < 5000; ++i) {
    const int t = m.g.choose();
    probes += t == 1;
    m.preemptions += i % 2;
    m.g.report(t, t == 2 ? 10.0 + static_cast<double>(i % 5) * (i % 100 < 10 ? 2 : 1) : 19.0);
  }
  EXPECT_EQ(probes, 0);
}

TEST(ThreadGovernor, ShortRunsAreProbedOnAnIdleMachine) {
  // Under kShortRunMs the team's wake-ups outweigh the work: 1 thread is found and kept.
  Machine faster_alone(2);
  EXPECT_GE(run_for(faster_alone, 100, 2, 0.07, 0.045), 80);
  // Where 2 threads stay faster the probes lose, and come ever more rarely.
  Machine faster_together(2);
  const int probe_runs = run_for(faster_together, 5000, 2, 0.5, 0.9);
  EXPECT_GE(probe_runs, 5 * kProbe);
  EXPECT_LE(probe_runs, 18 * kProbe);
  // Runs of a millisecond or more are left alone, as above.
  Machine longer(2);
  EXPECT_EQ(run_for(longer, 1000, 2, 1.0, 0.5), 0);
}

TEST(ThreadGovernor, ALoadedMachineThatStaysSlowerOnFewerThreadsIsProbedRarely) {
  Machine m(2);
  m.preempted = kLoaded;
  int probes = 0, since_last = 0, longest_gap = 0;
  for (int i = 0; i < 5000; ++i) {
    const int t = m.g.choose();
    if (t == 1) {
      ++probes;
      longest_gap = std::max(longest_gap, since_last);
      since_last = 0;
    } else {
      ++since_last;
    }
    m.preemptions += m.preempted;
    m.g.report(t, t == 2 ? 10.0 + static_cast<double>(i % 5) : 19.0);
  }
  EXPECT_GE(probes, 5);
  EXPECT_LE(probes, 18);
  EXPECT_EQ(longest_gap, static_cast<int>(ThreadGovernor::kLastInterval));
}

TEST(ThreadGovernor, AShortRunsProbeIsJudgedByItsBetterRun) {
  // Under load on 1 thread (0.42 ms; 2 threads 0.6). The load goes: 2 threads now take 0.25
  // ms, but the first run of each probe wakes the sleeping thread and takes 0.39.
  Machine m(2);
  m.preempted = kLoaded;
  run_for(m, 100, 2, 0.6, 0.42);
  ASSERT_LE(run_for(m, 100, 1, 0.42, 0.6), 4 * kProbe) << "it did not settle on 1 thread";
  m.preempted = 0;
  int runs = 0, last = 1;
  for (; runs < 2000; ++runs) {
    const int t = m.g.choose();
    m.g.report(t, t == 1 ? 0.42 : last == 1 ? 0.39 : 0.25);
    if (t == 2 && last == 2 && m.g.choose() == 2) break;  // it switched back
    last = t;
  }
  EXPECT_LT(runs, 100) << "probes whose first run was slow kept it on 1 thread";
}

TEST(ThreadGovernor, ALongRunsProbeIsOneRun) {
  Machine m(2);
  m.preempted = kLoaded;
  run_for(m, 20, 2, 10, 40);
  int last = 2, in_a_row = 0;
  for (int i = 0; i < 2000; ++i) {
    const int t = m.g.choose();
    m.preemptions += m.preempted;
    m.g.report(t, t == 2 ? 14 : 40);
    if (t == 1 && last == 1) ++in_a_row;
    last = t;
  }
  EXPECT_EQ(in_a_row, 0) << "a probe of 1 thread ran twice in a row";
}

TEST(ThreadGovernor, TheFirstRunsOfACountAreNotJudged) {
  // 1 thread is faster (a tiny model), but its first two runs lay out buffers and take 100 ms.
  Machine m(2);
  m.preempted = kLoaded;
  int on_one = 0;
  for (int i = 0; i < 40; ++i) {
    const int t = m.g.choose();
    if (t == 1) ++on_one;
    m.preemptions += m.preempted;
    m.g.report(t, t == 2 ? 10 : on_one <= 2 ? 100 : 5);
  }
  EXPECT_GE(on_one, 20) << "slow first runs kept it from fewer threads";
}

TEST(ThreadGovernor, APlanStartedOnABusyMachineFindsFewerThreads) {
  Machine m(2);
  m.preempted = kLoaded;
  // Loaded from the first run: the average never rises above the best.
  run_for(m, 100, 2, 25, 15);
  EXPECT_LE(run_for(m, 100, 1, 15, 25), 4) << "it did not settle on 1 thread";
}

TEST(ThreadGovernor, FewerThreadsWinUnderLoadAndAllReturnWhenItGoes) {
  Machine m(2);
  EXPECT_EQ(run_for(m, 50, 2, 10, 15), 0) << "idle: 1 thread probed";
  // Another process takes a core: 2 threads now 25 ms, 1 thread 15 ms. The first probe may
  // come before the average has risen all the way, and lose; a later one wins.
  m.preempted = kLoaded;
  const int on_one = run_for(m, 100, 2, 25, 15);
  EXPECT_GE(on_one, 50) << "the slowdown was not noticed soon enough";
  EXPECT_LE(run_for(m, 100, 1, 15, 25), 4) << "it did not settle on 1 thread";
  // Still loaded: the probes of 2 threads lose and come less often. The thread left alone on
  // its core is rarely preempted: they come regardless.
  m.preempted = 0;
  const int probes = run_for(m, 2000, 1, 15, 25);
  EXPECT_GE(probes, 3);
  EXPECT_LE(probes, 9);
  // The load goes: the next probe of 2 threads wins.
  run_for(m, static_cast<int>(ThreadGovernor::kLastInterval) + 1, 1, 15, 10);
  EXPECT_EQ(m.g.choose(), 2);
}

TEST(ThreadGovernor, ALosingProbeOfFewerThreadsKeepsAllThreads) {
  Machine m(2);
  m.preempted = kLoaded;
  run_for(m, 20, 2, 10, 40);
  // 2 threads slow to 14 ms (1.4x the best), 1 thread takes 40: it is probed, and loses.
  const int probes = run_for(m, 2000, 2, 14, 40);
  EXPECT_GE(probes, 3);
  EXPECT_LE(probes, 12) << "more runs on 1 thread than probes: it switched";
}

TEST(ThreadGovernor, AFailedProbeIsForgotten) {
  Machine m(2);
  m.preempted = kLoaded;
  run_for(m, 20, 2, 10, 10);
  run_for(m, 20, 2, 30, 30);  // the average rises: a probe is due
  int t = m.g.choose();
  for (int i = 0; i < 40 && t == 2; ++i) {
    m.preemptions += m.preempted;
    m.g.report(2, 30);
    t = m.g.choose();
  }
  ASSERT_EQ(t, 1);
  m.g.cancel(1);
  // Probing again later is possible: the failed probe does not block it forever.
  EXPECT_GT(run_for(m, 600, 2, 30, 10), 0);
}

TEST(ThreadGovernor, TheProcessCountsItsPreemptions) {
  // Two threads that never block, pinned to one core, preempt each other within a few
  // scheduler ticks: the count the governor reads by default must see it.
  cpu_set_t saved, one;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &saved)) {
      CPU_SET(c, &one);
      break;
    }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const uint64_t before = runtime::process_preemptions();
  std::atomic<bool> done{false};
  std::thread spinner([&] {
    while (!done.load(std::memory_order_relaxed)) {
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runtime::process_preemptions() == before && std::chrono::steady_clock::now() < deadline) {
  }
  const uint64_t after = runtime::process_preemptions();
  done = true;
  spinner.join();
  sched_setaffinity(0, sizeof(saved), &saved);
  EXPECT_GT(after, before);
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
