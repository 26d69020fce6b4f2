// BatchSplit: helper threads that take chunks of a batch, with the caller, when a run starts.
#include "runtime/batch_split.h"

#include <cstring>

namespace zenith::runtime {

BatchSplit::BatchSplit(std::unique_ptr<Plan> chunk, int chunks, int threads)
    : plan_(std::move(chunk)),
      chunks_(static_cast<size_t>(chunks)),
      feeds_(chunks_),
      results_(chunks_),
      errors_(chunks_) {
  for (int t = 1; t < threads; ++t) helpers_.emplace_back([this] { helper(); });
}

BatchSplit::~BatchSplit() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  start_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

void BatchSplit::helper() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    run_chunks();
    const std::lock_guard lock(mutex_);
    if (--pending_ == 0) done_.notify_one();
  }
}

void BatchSplit::run_chunks() noexcept {
  for (size_t c; (c = next_.fetch_add(1)) < chunks_;) {
    try {
      plan_->run_into(feeds_[c], results_[c], seed_);
    } catch (...) {
      errors_[c] = std::current_exception();
    }
  }
}

bool BatchSplit::run_into(const std::map<std::string, ir::Value>& feeds,
                          std::vector<ir::Value>& results, uint64_t seed, cpu::ArenaCache& arenas) {
  std::unique_lock busy(busy_, std::try_to_lock);
  if (!busy.owns_lock()) return false;
  const auto chunks = static_cast<int64_t>(chunks_);
  for (const auto& [name, value] : feeds)
    if (!value.is_tensor() || value.tensor().dims().size() == 0 ||
        value.tensor().dims()[0] % chunks != 0)
      return false;  // the whole run reports what is wrong
  // Each chunk's feeds are views of its rows: after the first run, the maps' nodes are reused.
  for (const auto& [name, value] : feeds) {
    const ir::Tensor& t = value.tensor();
    ir::Dims dims = t.dims();
    dims[0] /= chunks;
    const size_t bytes = t.size_bytes() / chunks_;
    for (size_t c = 0; c < chunks_; ++c)
      feeds_[c][name] =
          ir::Tensor::view(t.dtype(), dims, const_cast<std::byte*>(t.raw()) + c * bytes, t.owner());
  }
  seed_ = seed;
  for (std::exception_ptr& e : errors_) e = nullptr;
  next_ = 0;
  {
    const std::lock_guard lock(mutex_);
    ++generation_;
    pending_ = helpers_.size();
  }
  start_.notify_all();
  run_chunks();
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
  }
  const auto release = [&] {
    for (std::vector<ir::Value>& r : results_) r.clear();
  };
  for (const std::exception_ptr& e : errors_)
    if (e) {
      release();
      std::rethrow_exception(e);
    }
  // The joined outputs live in the caller's arena, under a key no plan uses (plans' keys start
  // with a rank or -1), so that a request's repeated runs reuse one block.
  results.clear();
  cpu::ArenaKey key{-2, chunks};
  for (const ir::Value& v : results_[0]) {
    const ir::Dims& dims = v.tensor().dims();
    key.push_back(static_cast<int64_t>(dims.size()));
    key.insert(key.end(), dims.begin(), dims.end());
  }
  {
    cpu::RunArena arena(arenas, key);
    for (size_t i = 0; i < results_[0].size(); ++i) {
      const ir::Tensor& first = results_[0][i].tensor();
      ir::Dims dims = first.dims();
      dims[0] *= chunks;
      const size_t bytes = first.size_bytes();
      std::shared_ptr<void> buffer = cpu::run_buffer(bytes * chunks_);  // whole cache lines
      ir::Tensor joined = ir::Tensor::view(first.dtype(), dims, buffer.get(), buffer);
      for (size_t c = 0; c < chunks_; ++c)
        std::memcpy(joined.raw() + c * bytes, results_[c][i].tensor().raw(), bytes);
      results.emplace_back(std::move(joined));
    }
    arena.complete();
  }
  release();
  return true;
}

}  // namespace zenith::runtime
