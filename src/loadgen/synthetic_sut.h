// A synthetic system under test and query sample library, to check LoadGen itself and a
// user's harness without an engine.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "loadgen/query_sample_library.h"
#include "loadgen/system_under_test.h"

namespace zenith::loadgen {

// Every sample takes `sample_time` on one of `workers` threads fed from one FIFO queue, and is
// completed on its own. A worker sleeps to just before the deadline, then spins to it: sleeping
// alone overshoots by the scheduler's wake-up delay.
class SyntheticSut : public SystemUnderTest {
 public:
  SyntheticSut(std::chrono::nanoseconds sample_time, int workers);
  ~SyntheticSut() override;  // finishes the queued samples, then joins the workers
  SyntheticSut(const SyntheticSut&) = delete;
  SyntheticSut& operator=(const SyntheticSut&) = delete;

  std::string name() const override;
  void issue_query(std::span<const QuerySample> samples) override;
  void flush_queries() override {}

 private:
  void serve();

  const std::chrono::nanoseconds sample_time_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<QuerySample> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// `total` samples that need no data; loading and unloading only count.
class SyntheticQsl : public QuerySampleLibrary {
 public:
  explicit SyntheticQsl(std::size_t total = 1024, std::size_t performance_count = 1024)
      : total_(total), performance_count_(performance_count) {}

  std::string name() const override { return "SyntheticQSL"; }
  std::size_t total_sample_count() const override { return total_; }
  std::size_t performance_sample_count() const override { return performance_count_; }
  void load_samples(std::span<const QuerySampleIndex> samples) override {
    loaded_ += samples.size();
  }
  void unload_samples(std::span<const QuerySampleIndex> samples) override {
    loaded_ -= samples.size();
  }
  std::size_t loaded_count() const { return loaded_; }

 private:
  std::size_t total_;
  std::size_t performance_count_;
  std::size_t loaded_ = 0;
};

}  // namespace zenith::loadgen
