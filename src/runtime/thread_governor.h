// ThreadGovernor: how many threads each run of a plan uses, chosen from the run times it sees.
//
// On a shared machine another process may take a core. An OpenMP team then waits at every
// barrier for a thread that is not running: with one busy process on 2 cores, MobileNetV2 at
// batch 1 ran 13-14 ms on 2 threads and 8-9 ms on 1, CheXNet 63-66 ms against 51 ms, ResNet-50
// 86-91 ms against 79-80 ms. oneDNN fixes a primitive's thread count when it is created, so
// the CPU device builds its primitives for each count the governor may choose (the warm-up runs
// once per count) and a run picks its set by the count it runs with.
//
// The candidates are all the threads given and half of them. A run uses the current choice.
// The governor keeps a moving average of each count's run times and the best time it has seen.
// Now and then it tries the other count (a probe), and a probe that beats the current average
// by a margin becomes the choice. Where runs take under kShortRunMs, a probe is two runs in a
// row judged by the better: the first run after a while on fewer threads wakes the sleeping
// ones (0.36-0.39 ms where the second takes 0.25, on a model whose one-thread runs take 0.42),
// so a one-run probe of all threads could lose for good. Longer runs do not notice the wake-up,
// and a second slow run would show in a short benchmark's p90. Probes
// that lose come less and less often: 4 runs apart at first, doubling up to 512. When the average
// on all threads rises well above its best (the machine got busier), the next probe comes within 4
// runs.
//
// A probe of fewer threads costs that run up to twice its time, which on an idle machine shows
// in the p90 of a short benchmark. So on all threads a due probe is made only when other work
// took the cores: the process's threads were preempted (involuntary context switches, from
// getrusage) at least kContendedPerSecond times per second of running since the last look.
// Measured on 2 cores: 20-30 a second for ResNet-50 and MobileNetV2 alone, 400-1,600 with one
// busy process beside them. Whether the load started before the plan or later does not matter.
// On fewer threads, probes of all threads are made regardless, to see the load go.
//
// Runs shorter than kShortRunMs on all threads are probed regardless too: there, waking the
// team and its barriers weigh as much as the work (a DLRM-like model at batch 1 on 2 cores:
// 0.07 ms on 2 threads with the zenith command's short spin, 0.045 ms on 1), and a probe that
// loses costs well under a millisecond.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace zenith::runtime {

// The cores this process may run on (its CPU affinity).
int available_cores();

// The involuntary context switches of this process's threads so far.
uint64_t process_preemptions();

class ThreadGovernor {
 public:
  // `threads`: the most a run may use (>= 1). `preemptions`: the count of preemptions so far
  // (tests give their own).
  explicit ThreadGovernor(int threads, std::function<uint64_t()> preemptions = process_preemptions);

  // The counts runs may use, most first; a single one when there is nothing to choose.
  const std::vector<int>& counts() const { return counts_; }
  // The count for the next run.
  int choose();
  // A run with `threads` (one of counts()) completed in `ms`.
  void report(int threads, double ms);
  // A run with `threads` failed: it tells nothing about the count.
  void cancel(int threads);

  static constexpr uint32_t kShortProbeRuns = 2;  // a probe's runs where runs are short
  static constexpr uint32_t kFirstInterval = 4;
  static constexpr uint32_t kLastInterval = 512;
  static constexpr double kBusier = 1.3;  // average / best at which all threads are probed
  static constexpr double kBetter = 0.9;  // probe / average at which the probe is chosen
  static constexpr double kContendedPerSecond = 100;
  static constexpr double kShortRunMs = 1.0;
  // A count's first runs are slower (the arena lays out and faults in its buffers per count):
  // probes among them are not judged, and the next comes as soon as the first.
  static constexpr uint32_t kUnjudged = 2;

 private:
  struct Count {
    double average = 0;  // 0: no run yet
    double best = 0;
    uint32_t runs = 0;
  };
  size_t index_of(int threads) const;
  bool probe_due();
  bool contended();

  std::vector<int> counts_;
  std::mutex mutex_;
  std::vector<Count> stats_;
  size_t current_ = 0;
  bool probing_ = false;     // a probe's run is running: other runs keep to the current count
  uint32_t probe_runs_ = 0;  // of the probe under way, reported
  double probe_best_ = 0;    // its best run
  bool busier_ = false;   // all threads run well above their best
  uint32_t since_probe_ = 0;
  uint32_t interval_ = kFirstInterval;
  std::function<uint64_t()> preemptions_;
  uint64_t preemptions_seen_ = 0;  // at the last look
  double ms_since_look_ = 0;       // of runs since then
};

}  // namespace zenith::runtime
