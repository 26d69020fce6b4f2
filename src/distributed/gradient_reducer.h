// Gradient averaging over the ranks of a data-parallel run, Horovod's way: gradients are fused
// into buckets of about `bucket_bytes`, and each bucket's allreduce starts on a communication
// thread as soon as its last gradient is handed in, while the backward pass goes on computing
// the rest. All collectives run in the order they are asked for, so every rank issues the same
// ones in the same order.
// What has nothing left to overlap runs on the calling thread once the queue is empty: the
// step's last bucket (in wait()) and the other collectives (the loss's average, synchronized
// batch norm's sums). That saves two thread hand-offs each, 10-20 us on a shared core, against
// MPI's 1-30 us for small messages (PERFORMANCE.md 16b). MPI cannot interrupt a collective, so
// one on the calling thread that outlasts the timeout is reported by the communication thread,
// which then ends the run (Communicator::abort).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "distributed/communicator.h"

namespace zenith::distributed {

// A rank's two lanes: the training loop's thread and the communication thread.
enum class Lane { Compute = 0, Communication = 1 };

// A stretch of time on one lane, for the timeline (distributed/timeline.h).
struct Interval {
  const char* name;  // "forward", "allreduce", "wait", ...
  int bucket = -1;   // the bucket it concerns, or -1
  std::chrono::steady_clock::time_point start, end;
  Lane lane = Lane::Compute;
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

  // ready(), wait() and collective() are called from one thread, the training loop's.

  // Gradient k (counts[k] floats at `data`) is final for this step: it is copied into its
  // bucket, and a bucket now complete starts its allreduce.
  void ready(size_t k, const float* data);
  // Waits until every bucket of this step is averaged; then average(k) is gradient k's mean over
  // the ranks, until the next step's ready() calls. Throws Unavailable naming this rank if a
  // collective fails or takes longer than the timeout, and rethrows the thread's errors.
  void wait();
  const float* average(size_t k) const;

  // Runs fn(comm) after the work asked for before it, on the calling thread (with wait()'s
  // timeout and errors).
  void collective(const std::function<void(Communicator&)>& fn);

  // Since the last call: the collectives, each on the lane that ran it, and the calling
  // thread's waits for the communication thread.
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
  // Once the queue is empty, runs `job` on this thread, the communication thread watching the
  // time it takes. Rethrows its error.
  void run_here(std::unique_lock<std::mutex>& lock, const Job& job, const char* what);
  void run(const Job& job);  // the collective itself, on whichever thread
  void work();
  [[noreturn]] void stalled(const char* what) const;

  Communicator& comm_;
  const std::chrono::seconds timeout_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_, offset_of_;  // per gradient
  std::vector<size_t> counts_;
  // The calling thread's: buckets of this step not yet complete, and the step's last bucket to
  // complete, left for wait().
  size_t open_ = 0;
  int last_ = -1;

  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::deque<Job> queue_;
  size_t issued_ = 0, finished_ = 0;  // tickets handed out, completed (in order)
  // Set while the calling thread is in a collective: since when, and what it is.
  std::optional<std::chrono::steady_clock::time_point> here_since_;
  const char* here_what_ = nullptr;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::vector<Interval> intervals_;
  std::thread thread_;
};

}  // namespace zenith::distributed
