// ThreadGovernor: the choice of a thread count per run from the run times seen.
#include "runtime/thread_governor.h"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>

namespace zenith::runtime {

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return std::max(CPU_COUNT(&set), 1);
}

uint64_t process_preemptions() {
  rusage usage{};
  return getrusage(RUSAGE_SELF, &usage) == 0 ? static_cast<uint64_t>(usage.ru_nivcsw) : 0;
}

ThreadGovernor::ThreadGovernor(int threads, std::function<uint64_t()> preemptions)
    : counts_{std::max(threads, 1)}, preemptions_(std::move(preemptions)) {
  if (threads > 1) counts_.push_back((threads + 1) / 2);
  stats_.resize(counts_.size());
  preemptions_seen_ = preemptions_();
}

size_t ThreadGovernor::index_of(int threads) const {
  return static_cast<size_t>(std::find(counts_.begin(), counts_.end(), threads) - counts_.begin());
}

bool ThreadGovernor::contended() {
  const uint64_t now = preemptions_();
  const double seconds = std::max(ms_since_look_, 1.0) / 1000;
  const bool contended =
      static_cast<double>(now - preemptions_seen_) >= kContendedPerSecond * seconds;
  preemptions_seen_ = now;
  ms_since_look_ = 0;
  return contended;
}

bool ThreadGovernor::probe_due() {
  if (probe_runs_ > 0) return true;  // the rest of the probe under way
  if (counts_.size() < 2 || since_probe_ < interval_) return false;
  const double average = stats_[0].average;
  if (current_ != 0 || (average > 0 && average < kShortRunMs) || contended()) return true;
  since_probe_ = 0;  // an idle machine: look again an interval later
  return false;
}

int ThreadGovernor::choose() {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (probing_ || !probe_due()) return counts_[current_];
  probing_ = true;
  return counts_[current_ == 0 ? 1 : 0];
}

void ThreadGovernor::report(int threads, double ms) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const size_t i = index_of(threads);
  if (i >= counts_.size()) return;
  Count& c = stats_[i];
  c.best = c.best > 0 ? std::min(c.best, ms) : ms;
  ++c.runs;
  if (probing_ && i != current_) {
    probing_ = false;
    probe_best_ = probe_runs_ == 0 ? ms : std::min(probe_best_, ms);
    const bool short_runs = stats_[current_].average < kShortRunMs;
    if (++probe_runs_ < (short_runs ? kShortProbeRuns : 1)) return;
    probe_runs_ = 0;
    ms = probe_best_;
    since_probe_ = 0;
    // A count's first runs with a request lay out and fault in its buffers: not judged.
    if (c.runs <= kUnjudged) return;
    if (ms < kBetter * stats_[current_].average) {
      current_ = i;
      c.average = ms;
      interval_ = kFirstInterval;
      busier_ = false;
    } else {
      interval_ = std::min(interval_ * 2, kLastInterval);
    }
    return;
  }
  // An average over about the last 8 runs: it follows a change of load within a few runs.
  c.average = c.average > 0 ? c.average + (ms - c.average) / 8 : ms;
  if (i != current_) return;
  ms_since_look_ += ms;
  ++since_probe_;
  // All threads got slower: probe soon, once per slowdown.
  const bool busier = i == 0 && c.average > kBusier * c.best;
  if (busier && !busier_) interval_ = kFirstInterval;
  busier_ = busier;
}

void ThreadGovernor::cancel(int threads) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (probing_ && index_of(threads) != current_) {
    probing_ = false;
    probe_runs_ = 0;
  }
}

}  // namespace zenith::runtime
