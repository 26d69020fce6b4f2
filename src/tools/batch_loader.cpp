// BatchLoader: workers claim sequence numbers in order, at most `ahead` beyond the one next()
// waits for, and file each finished batch (or its error) under its number, so next() can hand
// them out in order whichever finishes first.
#include "tools/batch_loader.h"

#include <algorithm>
#include <numeric>

#include "ir/errors.h"
#include "tools/augment.h"
#include "tools/seeded_random.h"

namespace zenith::tools {

std::vector<size_t> epoch_order(size_t size, uint64_t seed, int64_t epoch, bool shuffle) {
  if (shuffle) return seeded_permutation(size, {seed, static_cast<uint64_t>(epoch)});
  std::vector<size_t> order(size);
  std::iota(order.begin(), order.end(), size_t{0});
  return order;
}

namespace {

size_t steps_of(const Dataset& dataset, size_t batch, size_t shards) {
  if (batch == 0 || shards == 0 || dataset.size() < batch * shards)
    throw_invalid_argument("--batch {}{}: the dataset has only {} samples", batch,
                           shards > 1 ? fmt::format(" on each of {} ranks", shards) : "",
                           dataset.size());
  return dataset.size() / (batch * shards);
}

}  // namespace

BatchLoader::BatchLoader(const Dataset& dataset, const InputLayout& layout,
                         const LoaderOptions& options, int64_t epochs, int64_t start_epoch,
                         size_t start_step)
    : dataset_(dataset),
      layout_(layout),
      options_(options),
      steps_(steps_of(dataset, options.batch, options.shards)),
      first_(static_cast<size_t>(std::max<int64_t>(start_epoch, 0)) * steps_ + start_step),
      total_(epochs > start_epoch ? static_cast<size_t>(epochs) * steps_ - first_ : 0),
      ahead_(std::max<size_t>(options.ahead, static_cast<size_t>(std::max(options.threads, 1)))) {
  if (start_step >= steps_)
    throw_invalid_argument("resuming at step {} of an epoch of {} steps", start_step, steps_);
  for (int t = 0; t < options.threads; ++t) workers_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  space_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

size_t BatchLoader::remaining() const {
  std::lock_guard lock(mutex_);
  return total_ - handed_;
}

std::shared_ptr<const std::vector<size_t>> BatchLoader::order_of(int64_t epoch) {
  auto it = orders_.find(epoch);
  if (it == orders_.end()) {
    // Claims come in order, so no later claim needs an earlier epoch's order.
    orders_.erase(orders_.begin(), orders_.lower_bound(epoch));
    it = orders_
             .emplace(epoch, std::make_shared<const std::vector<size_t>>(epoch_order(
                                 dataset_.size(), options_.seed, epoch, options_.shuffle)))
             .first;
  }
  return it->second;
}

Batch BatchLoader::assemble(size_t sequence) {
  Batch out;
  const size_t absolute = first_ + sequence;
  out.epoch = static_cast<int64_t>(absolute / steps_);
  out.step = absolute % steps_;
  std::shared_ptr<const std::vector<size_t>> order;
  {
    std::lock_guard lock(mutex_);
    order = order_of(out.epoch);
  }
  const auto batch = static_cast<int64_t>(options_.batch);
  const bool multi = options_.multi_label || dataset_.multi_label();
  const auto classes = static_cast<int64_t>(dataset_.classes().size());
  out.inputs = ir::Tensor(ir::DType::F32, {batch, layout_.channels, layout_.height, layout_.width});
  out.labels =
      multi ? ir::Tensor(ir::DType::F32, {batch, classes}) : ir::Tensor(ir::DType::I64, {batch});
  if (multi) std::fill_n(out.labels.data<float>(), out.labels.numel(), 0.0f);
  const int64_t per_sample = out.inputs.numel() / batch;
  for (int64_t i = 0; i < batch; ++i) {
    const size_t index = (*order)[(out.step * options_.shards + options_.shard) * options_.batch +
                                  static_cast<size_t>(i)];
    const Tensor sample = options_.augment
                              ? augmented_sample(dataset_, index, layout_, options_.seed, out.epoch)
                              : dataset_.load(index, layout_);
    std::copy_n(sample.data<float>(), per_sample, out.inputs.data<float>() + i * per_sample);
    for (int c : dataset_.labels(index)) {
      if (multi)
        out.labels.data<float>()[i * classes + c] = 1.0f;
      else
        out.labels.data<int64_t>()[i] = c;
    }
  }
  return out;
}

void BatchLoader::work() {
  while (true) {
    size_t sequence = 0;
    {
      std::unique_lock lock(mutex_);
      space_.wait(
          lock, [this] { return stopping_ || (claimed_ < total_ && claimed_ < handed_ + ahead_); });
      if (stopping_) return;
      sequence = claimed_++;
    }
    Slot slot;
    try {
      slot.batch = assemble(sequence);
    } catch (...) {
      slot.error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      ready_.emplace(sequence, std::move(slot));
    }
    filled_.notify_all();
  }
}

Batch BatchLoader::next() {
  std::unique_lock lock(mutex_);
  if (handed_ >= total_)
    throw_invalid_argument("BatchLoader::next: all {} batches were handed out", total_);
  const size_t sequence = handed_;
  Slot slot;
  if (workers_.empty()) {
    ++handed_;
    lock.unlock();
    return assemble(sequence);
  }
  filled_.wait(lock, [&] { return ready_.count(sequence) > 0; });
  auto it = ready_.find(sequence);
  slot = std::move(it->second);
  ready_.erase(it);
  ++handed_;
  lock.unlock();
  space_.notify_all();
  if (slot.error) std::rethrow_exception(slot.error);
  return std::move(slot.batch);
}

}  // namespace zenith::tools
