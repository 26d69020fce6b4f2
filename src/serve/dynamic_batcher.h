// Dynamic batching for one model version: requests are queued, and each of the model's
// instances (one worker thread and infer request each) takes the oldest, waits up to
// max_queue_delay_us for more, and runs as many as fit max_batch_size rows in one batch along
// the first dimension, then hands each request its own rows of the outputs.
//
// A batch of r rows runs padded (with zero rows) to the next power of two, or to
// max_batch_size: so a model meets at most log2(max_batch_size) + 2 shapes, each compiled and
// laid out when the model loads (warm_up), never while it serves. The runtime keeps 8 compiled
// shapes (runtime/session.h), so max_batch_size is capped at 64. Requests whose shapes differ
// beyond the first dimension wait for a batch of their own.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "serve/inference.h"
#include "serve/metrics.h"
#include "zenith/compiled_model.h"

namespace zenith::serve {

class DynamicBatcher {
 public:
  static constexpr int64_t kMaxBatch = 64;
  using Clock = std::chrono::steady_clock;

  // `requests`: the model's instances, one worker each. Throws InvalidArgument when an input or
  // output has no open first dimension to batch along, or max_batch_size exceeds kMaxBatch.
  DynamicBatcher(const std::string& model, const CompiledModel& compiled,
                 std::vector<InferRequest> requests, int64_t max_batch_size,
                 int64_t max_queue_delay_us, size_t max_queue, const ModelMetrics* metrics);
  ~DynamicBatcher();  // finishes the queued requests, then joins the workers

  // Runs every batch size the batcher can form once on every instance (zeros), so that serving
  // compiles and lays out nothing.
  void warm_up();
  // Queues `request` (already checked against the model) and waits for its rows of the batch.
  // Throws RequestError: resource_exhausted when the queue is full, deadline_exceeded when the
  // deadline passes before a batch takes it, internal when the batch's run fails.
  InferenceResponse infer(const InferenceRequest& request,
                          std::optional<Clock::time_point> deadline);

  // The batch sizes runs may have (padded), ascending.
  const std::vector<int64_t>& sizes() const { return sizes_; }

 private:
  struct Pending;
  struct Worker {
    InferRequest request;
    std::vector<std::vector<unsigned char>> inputs;  // per model input, max_batch_size rows
    std::thread thread;
  };
  void work(Worker& worker);
  // Takes the queued requests that fit one batch with the oldest (REQUIRES: mutex_ held).
  std::vector<Pending*> take_batch();
  void run_batch(Worker& worker, const std::vector<Pending*>& batch);
  int64_t padded(int64_t rows) const;

  std::string model_;
  std::vector<Port> inputs_, outputs_;
  std::vector<size_t> row_bytes_;  // per input, for its shape beyond the first dimension
  int64_t max_batch_;
  std::chrono::microseconds delay_;
  size_t max_queue_;
  const ModelMetrics* metrics_;  // or null
  std::vector<int64_t> sizes_;
  std::vector<Worker> workers_;

  std::mutex mutex_;
  std::condition_variable work_, done_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
};

}  // namespace zenith::serve
