// BatchSplit: a batch run as independent smaller batches, one per thread, for a model that
// computes each sample on its own (ir/sample_independence.h).
//
// An OpenMP team splits every step between its threads and waits at the end of each for the
// slowest. When another process takes a core, a descheduled thread holds the whole team at
// every barrier: MobileNetV2 at batch 8 on 2 cores with one busy process beside it took 54 ms on
// 2 threads, about what 1 thread takes (51 ms). Halves of the batch, one per thread, did no
// better (median 50-51 ms, best 37.5): the scheduler leaves both on one core as often as not,
// and the run waits for the slower half. So the batch is cut into more chunks than threads, and
// each thread takes the next chunk when it is done with one: a thread that gets a core alone
// does more of them. Quiet, single-threaded parts run about as fast as the team (two batches of
// 4 side by side: MobileNetV2 25.9 vs 26.8 ms, CheXNet 164 vs 181 ms, ResNet-50 244 vs 249 ms
// at batch 8, 2 cores).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "devices/cpu/arena.h"
#include "ir/value.h"
#include "runtime/plan.h"

namespace zenith::runtime {

class BatchSplit {
 public:
  // `chunk`: the model compiled for batch / `chunks`, on one thread; `threads` (>= 2) run the
  // chunks, the caller's and threads - 1 helpers, which wait for runs.
  BatchSplit(std::unique_ptr<Plan> chunk, int chunks, int threads);
  ~BatchSplit();
  BatchSplit(const BatchSplit&) = delete;
  BatchSplit& operator=(const BatchSplit&) = delete;

  // Runs `feeds` (every runtime input with the batch in axis 0) as the chunks, on the calling
  // thread and the helpers; the outputs, joined along axis 0, go into `results` in buffers from
  // `arenas`. Returns false, running nothing, when another run holds the helpers (the caller
  // runs the batch whole instead). Throws what a chunk throws.
  bool run_into(const std::map<std::string, ir::Value>& feeds, std::vector<ir::Value>& results,
                uint64_t seed, cpu::ArenaCache& arenas);

 private:
  void helper();
  void run_chunks() noexcept;  // takes chunks until none is left

  std::unique_ptr<Plan> plan_;
  const size_t chunks_;
  // A run's state, its helpers' and its caller's: one run at a time (busy_).
  std::mutex busy_;
  std::vector<std::map<std::string, ir::Value>> feeds_;  // per chunk: views of its rows
  std::vector<std::vector<ir::Value>> results_;          // per chunk
  std::vector<std::exception_ptr> errors_;               // per chunk
  std::atomic<size_t> next_{0};                          // the next chunk to take
  uint64_t seed_ = 0;

  std::mutex mutex_;
  std::condition_variable start_, done_;
  uint64_t generation_ = 0;  // runs started
  size_t pending_ = 0;       // helpers still running the current run
  bool stopping_ = false;
  std::vector<std::thread> helpers_;
};

}  // namespace zenith::runtime
