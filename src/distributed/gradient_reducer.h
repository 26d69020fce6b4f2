// Gradient averaging over the ranks of a data-parallel run, Horovod's way: gradients are fused
// into buckets of about `bucket_bytes`, and each bucket's allreduce starts on a communication
// thread as soon as its last gradient is handed in, while the backward pass goes on computing
// the rest. The other collectives of a step (the loss's average, synchronized batch norm's
// sums) run on the same thread in the order they are asked for, so every rank issues the same
// collectives in the same order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "distributed/communicator.h"

namespace zenith::distributed {

// A stretch of time on one of a rank's two lanes, for the timeline (distributed/timeline.h).
struct Interval {
  const char* name;  // "allreduce", "wait", ...
  int bucket = -1;   // the bucket it concerns, or -1
  std::chrono::steady_clock::time_point start, end;
};

class GradientReducer {
 public:
  // `counts`: each gradient's floats, by the trainer's index; `order`: those indices in the order
  // the backward pass makes them (buckets fill in that order). A bucket closes once it holds at
  // least `bucket_bytes`. `timeout`: how long wait() waits for a collective before it gives up
  // (a peer rank died or stalled).
  GradientReducer(Communicator& comm, const std::vector<size_t>& counts,
                  const std::vector<size_t>& order, size_t bucket_bytes,
                  std::chrono::seconds timeout);
  ~GradientReducer();  // finishes queued work, then joins the thread
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  size_t buckets() const { return buckets_.size(); }

  // Gradient k (counts[k] floats at `data`) is final for this step: it is copied into its
  // bucket, and a bucket now complete starts its allreduce.
  void ready(size_t k, const float* data);
  // Waits until every bucket of this step is averaged; then average(k) is gradient k's mean over
  // the ranks, until the next step's ready() calls. Throws Unavailable naming this rank if a
  // collective fails or takes longer than the timeout, and rethrows the thread's errors.
  void wait();
  const float* average(size_t k) const;

  // Runs fn(comm) on the communication thread after the work asked for before it, and waits for
  // it (with wait()'s timeout and errors).
  void collective(const std::function<void(Communicator&)>& fn);

  // The communication thread's busy intervals and the caller's waits since the last call.
  std::vector<Interval> take_intervals();

 private:
  struct Bucket {
    std::vector<float> data;
    std::vector<size_t> members;  // gradient indices
    size_t pending = 0;           // members not yet handed in this step
  };
  struct Job {
    int bucket = -1;                          // a bucket's allreduce, or
    std::function<void(Communicator&)> call;  // a collective
    size_t ticket = 0;                        // its place in the queue
  };

  void enqueue(Job job);  // REQUIRES: mutex_ held
  // Waits (through `lock`, on mutex_) until ticket `ticket` is done, within the timeout.
  void await(std::unique_lock<std::mutex>& lock, size_t ticket, const char* what);
  void work();

  Communicator& comm_;
  const std::chrono::seconds timeout_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_, offset_of_;  // per gradient
  std::vector<size_t> counts_;

  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::deque<Job> queue_;
  size_t issued_ = 0, finished_ = 0;  // tickets handed out, completed (in order)
  bool stopping_ = false;
  std::exception_ptr error_;
  std::vector<Interval> intervals_;
  std::thread thread_;
};

}  // namespace zenith::distributed
