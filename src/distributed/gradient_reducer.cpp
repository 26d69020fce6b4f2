// GradientReducer: a queue of tickets served in order by one communication thread, which also
// watches the collectives the calling thread runs itself.
#include "distributed/gradient_reducer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "ir/errors.h"

namespace zenith::distributed {

GradientReducer::GradientReducer(Communicator& comm, const std::vector<size_t>& counts,
                                 const std::vector<size_t>& order, size_t bucket_bytes,
                                 std::chrono::seconds timeout)
    : comm_(comm),
      timeout_(timeout),
      bucket_of_(counts.size()),
      offset_of_(counts.size()),
      counts_(counts) {
  for (size_t k : order) {
    if (buckets_.empty() || buckets_.back().data.size() * sizeof(float) >= bucket_bytes)
      buckets_.emplace_back();
    Bucket& b = buckets_.back();
    bucket_of_[k] = buckets_.size() - 1;
    offset_of_[k] = b.data.size();
    b.data.resize(b.data.size() + counts[k]);
    b.members.push_back(k);
  }
  for (Bucket& b : buckets_) b.pending = b.members.size();
  open_ = buckets_.size();
  thread_ = std::thread([this] { work(); });
}

GradientReducer::~GradientReducer() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  thread_.join();
}

void GradientReducer::ready(size_t k, const float* data) {
  Bucket& b = buckets_[bucket_of_[k]];
  // Divided by the ranks on the way in, so that the allreduce's sum is the mean: one pass over
  // the bucket fewer than scaling the sum (exact for a power-of-two count of ranks).
  const float scale = 1.0f / static_cast<float>(comm_.size());
  float* out = b.data.data() + offset_of_[k];
  for (size_t i = 0; i < counts_[k]; ++i) out[i] = data[i] * scale;
  // (pending, open_ and last_ are the calling thread's own)
  if (--b.pending != 0) return;
  const int bucket = static_cast<int>(bucket_of_[k]);
  if (--open_ == 0) {
    last_ = bucket;
    return;
  }
  const std::lock_guard lock(mutex_);
  enqueue({bucket, {}, 0});
}

const float* GradientReducer::average(size_t k) const {
  return buckets_[bucket_of_[k]].data.data() + offset_of_[k];
}

void GradientReducer::wait() {
  std::unique_lock lock(mutex_);
  for (const Bucket& b : buckets_)
    if (b.pending != 0)
      throw make_error(Error::Kind::Internal,
                       "rank {}: a gradient of bucket {} was never handed in this step",
                       comm_.rank(), &b - buckets_.data());
  for (Bucket& b : buckets_) b.pending = b.members.size();
  open_ = buckets_.size();
  run_here(lock, {std::exchange(last_, -1), {}, 0}, "the gradients' allreduce");
}

void GradientReducer::collective(const std::function<void(Communicator&)>& fn) {
  std::unique_lock lock(mutex_);
  run_here(lock, {-1, fn, 0}, "a collective");
}

std::vector<Interval> GradientReducer::take_intervals() {
  const std::lock_guard lock(mutex_);
  return std::exchange(intervals_, {});
}

void GradientReducer::enqueue(Job job) {
  job.ticket = ++issued_;
  queue_.push_back(std::move(job));
  work_.notify_one();
}

void GradientReducer::await(std::unique_lock<std::mutex>& lock, size_t ticket, const char* what) {
  const auto ready = [&] { return finished_ >= ticket || error_; };
  bool done = true;
  if (!ready()) {
    const auto start = std::chrono::steady_clock::now();
    done = done_.wait_until(lock, start + timeout_, ready);
    intervals_.push_back({"wait", -1, start, std::chrono::steady_clock::now(), Lane::Compute});
  }
  if (error_) std::rethrow_exception(error_);
  if (!done)
    throw make_error(Error::Kind::Unavailable,
                     "rank {} of {}: {} has not finished in {} s: another rank died or stopped",
                     comm_.rank(), comm_.size(), what, timeout_.count());
}

void GradientReducer::run_here(std::unique_lock<std::mutex>& lock, const Job& job,
                               const char* what) {
  await(lock, issued_, what);  // the queue's work first: every rank keeps the same order
  if (job.bucket < 0 && !job.call) return;
  const auto start = std::chrono::steady_clock::now();
  here_since_ = start;
  here_what_ = what;
  lock.unlock();  // (no wake-up for the watcher: it looks in as it wakes, every timeout / 4)
  std::exception_ptr error;
  try {
    run(job);
  } catch (...) {
    error = std::current_exception();
  }
  lock.lock();
  here_since_.reset();
  intervals_.push_back({job.bucket >= 0 ? "allreduce" : "collective", job.bucket, start,
                        std::chrono::steady_clock::now(), Lane::Compute});
  if (error) std::rethrow_exception(error);
}

void GradientReducer::run(const Job& job) {
  if (job.bucket >= 0) {
    // MPI's blocking allreduce: its tuned algorithms beat the non-blocking one (libnbc, which
    // advances only when polled) in the micro-benchmark and in training alike
    // (PERFORMANCE.md 16a).
    std::vector<float>& data = buckets_[static_cast<size_t>(job.bucket)].data;
    comm_.allreduce_sum(data.data(), data.size());
  } else {
    job.call(comm_);
  }
}

void GradientReducer::stalled(const char* what) const {
  fmt::print(stderr,
             "error: rank {} of {}: {} has not finished in {} s: another rank died or "
             "stopped\n",
             comm_.rank(), comm_.size(), what, timeout_.count());
  std::fflush(stderr);
  comm_.abort(1);
}

void GradientReducer::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      while (queue_.empty() && !stopping_) {
        work_.wait_for(lock, timeout_ / 4);
        if (here_since_ && std::chrono::steady_clock::now() >= *here_since_ + timeout_)
          stalled(here_what_);
      }
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const auto start = std::chrono::steady_clock::now();
    std::exception_ptr error;
    try {
      run(job);
    } catch (...) {
      error = std::current_exception();
    }
    {
      const std::lock_guard lock(mutex_);
      intervals_.push_back({job.bucket >= 0 ? "allreduce" : "collective", job.bucket, start,
                            std::chrono::steady_clock::now(), Lane::Communication});
      finished_ = job.ticket;
      if (error && !error_) error_ = error;
    }
    done_.notify_all();
  }
}

}  // namespace zenith::distributed
