// A progress line for long commands: on a terminal only (stderr), rewritten in place at most
// every 250 ms once the work has taken 2 s (ZENITH_PROGRESS_AFTER_S to change that), and erased
// when done; nothing when stderr is not a terminal or with --quiet, so logs and pipes get only
// the results.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace zenith::tools {

// Whether progress lines are shown: stderr is a terminal and --quiet was not given.
bool progress_wanted(bool quiet);

// Calls `status` (what to print, without a newline) from its own thread every 250 ms after the
// first 2 s, while it lives; the line is erased at the end. Inactive unless `shown`.
class ProgressLine {
 public:
  ProgressLine(bool shown, std::function<std::string(double elapsed_s)> status);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  void loop();

  std::function<std::string(double)> status_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

// What a long piece of work has done, for its progress line: the stage it is in and the units
// of it done (of `total`, when known: 0 if not). Written by the work's thread, read by the
// line's. `stage` and `unit` must outlive the counter: string literals.
class WorkCounter {
 public:
  void begin(const char* stage, size_t total, const char* unit);
  void add(size_t done) { done_.fetch_add(done, std::memory_order_relaxed); }
  // "calibrating: 120 of 300 samples, 12s"
  std::string status(double elapsed_s) const;

 private:
  std::atomic<const char*> stage_{"preparing"}, unit_{""};
  std::atomic<size_t> done_{0}, total_{0};
};

// "1m05s", "12s": an ETA or elapsed time for a progress line.
std::string short_duration(double seconds);

}  // namespace zenith::tools
