// SyntheticSut: a FIFO queue served by worker threads that each hold a sample for a fixed time.
#include "loadgen/synthetic_sut.h"

#include <fmt/format.h>

#include "loadgen/query_samples_complete.h"
#include "zenith/error.h"

namespace zenith::loadgen {
namespace {

// Wake-up latency of sleep_until on a loaded Linux box is well under this; the rest is spun.
constexpr std::chrono::microseconds kSpinMargin{200};

void wait_until(std::chrono::steady_clock::time_point deadline) {
  std::this_thread::sleep_until(deadline - kSpinMargin);
  while (std::chrono::steady_clock::now() < deadline) {
  }
}

}  // namespace

SyntheticSut::SyntheticSut(std::chrono::nanoseconds sample_time, int workers)
    : sample_time_(sample_time) {
  if (workers < 1)
    throw Error(Error::Kind::InvalidArgument,
                fmt::format("synthetic SUT: {} workers; it needs at least 1", workers));
  if (sample_time.count() < 0)
    throw Error(Error::Kind::InvalidArgument, "synthetic SUT: the sample time is negative");
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { serve(); });
}

SyntheticSut::~SyntheticSut() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::string SyntheticSut::name() const {
  return fmt::format("SyntheticSUT({} ms x {} workers)",
                     std::chrono::duration<double, std::milli>(sample_time_).count(),
                     workers_.size());
}

void SyntheticSut::issue_query(std::span<const QuerySample> samples) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.insert(queue_.end(), samples.begin(), samples.end());
  }
  if (samples.size() == 1)
    ready_.notify_one();
  else
    ready_.notify_all();
}

void SyntheticSut::serve() {
  for (;;) {
    QuerySample sample;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      sample = queue_.front();
      queue_.pop_front();
    }
    // The sample's time starts when a worker takes it, so a backlog adds queueing delay.
    wait_until(std::chrono::steady_clock::now() + sample_time_);
    const QuerySampleResponse response{sample.id};
    query_samples_complete({&response, 1});
  }
}

}  // namespace zenith::loadgen
