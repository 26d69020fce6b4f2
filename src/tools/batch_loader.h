// The training batches of a Dataset, assembled on worker threads a few batches ahead of the
// training step, in an order that is a pure function of (seed, epoch), so that a run can resume
// mid-epoch from (seed, epoch, step) alone.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ir/tensor.h"
#include "tools/dataset.h"

namespace zenith::tools {

struct LoaderOptions {
  size_t batch = 32;
  uint64_t seed = 0;
  bool shuffle = true;       // false: the dataset's order every epoch
  bool augment = false;      // augmented_sample instead of Dataset::load
  int threads = 1;           // workers; 0 loads each batch in next() itself
  size_t ahead = 4;          // batches loaded ahead of next(); at least one per worker
  bool multi_label = false;  // [B, K] 0/1 labels even for single-label data
  // Data-parallel: step s of the run takes the epoch order's positions [s * B * shards,
  // (s + 1) * B * shards) (one global batch), and this loader shard number `shard` of them.
  size_t shards = 1, shard = 0;
};

// One step's samples: inputs [B, C, H, W] f32 and labels, [B] i64 class ids or, for multi-label
// data (or LoaderOptions::multi_label), [B, K] f32 of 0 and 1.
struct Batch {
  ir::Tensor inputs;
  ir::Tensor labels;
  int64_t epoch = 0;  // counted from 0
  size_t step = 0;    // within the epoch
};

// The order in which epoch `epoch` visits the samples 0..size-1: a seeded shuffle of
// (seed, epoch), or 0..size-1 without `shuffle`. Step s takes positions [s * B, (s + 1) * B)
// (of a global batch, with shards).
std::vector<size_t> epoch_order(size_t size, uint64_t seed, int64_t epoch, bool shuffle);

// Hands out the batches of epochs start_epoch..epochs-1, from step start_step of the first,
// strictly in order. Each epoch has size / (batch x shards) steps (a last partial global batch
// is left out). A
// batch's content depends on the options' seed, the epoch and the step only, not on the number
// of threads or their timing. The dataset must outlive the loader.
class BatchLoader {
 public:
  // Throws InvalidArgument if the dataset holds fewer samples than one batch, or start_step is
  // not within an epoch.
  BatchLoader(const Dataset& dataset, const InputLayout& layout, const LoaderOptions& options,
              int64_t epochs, int64_t start_epoch = 0, size_t start_step = 0);
  // Stops the workers after the batches they are assembling; waits for no more.
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  size_t steps_per_epoch() const { return steps_; }
  // Batches not yet handed out.
  size_t remaining() const;
  // The next batch, waiting for it if it is not ready. Rethrows the error that loading one of
  // its samples raised (which names the file or sample). REQUIRES: remaining() > 0.
  Batch next();

 private:
  struct Slot {
    Batch batch;
    std::exception_ptr error;
  };

  // Loads the batch of sequence number `sequence`; takes mutex_ only to find the order.
  Batch assemble(size_t sequence);
  std::shared_ptr<const std::vector<size_t>> order_of(int64_t epoch);  // REQUIRES: mutex_ held
  void work();

  const Dataset& dataset_;
  const InputLayout layout_;
  const LoaderOptions options_;
  const size_t steps_;
  const size_t first_;  // absolute step (epoch * steps_ + step) of sequence number 0
  const size_t total_;  // batches to hand out
  const size_t ahead_;  // options_.ahead, at least one per worker

  mutable std::mutex mutex_;
  std::condition_variable space_;   // a batch may be claimed, or stopping_
  std::condition_variable filled_;  // a slot was filled
  size_t claimed_ = 0;              // sequence numbers below this are claimed by a worker
  size_t handed_ = 0;               // ... and below this handed out by next()
  bool stopping_ = false;
  std::map<size_t, Slot> ready_;  // by sequence number
  std::map<int64_t, std::shared_ptr<const std::vector<size_t>>> orders_;
  std::vector<std::thread> workers_;
};

}  // namespace zenith::tools
