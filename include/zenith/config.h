// zenith::Config: how a model is compiled for a device.
#pragma once

#include <cstdint>

#include "zenith/export.h"

namespace zenith {

enum class PerformanceHint {
  latency,     // one request at a time, on all the threads
  throughput,  // several requests at once, each stream on its own threads
};

ZENITH_API const char* to_string(PerformanceHint hint);  // "LATENCY", "THROUGHPUT"

struct Config {
  PerformanceHint hint = PerformanceHint::latency;
  // Streams: requests that run at the same time, each on its own threads and memory.
  // 0: from the hint (latency: 1; throughput: see CompiledModel::config()).
  int num_streams = 0;
  // Threads for all streams together; each stream gets num_threads / num_streams (at least 1).
  // 0: every core.
  int num_threads = 0;
  // Time each step of every run, for InferRequest::profiling_info(). Costs a clock read per step.
  bool profiling = false;
  // Seeds the random ops (RandomNormal, RandomUniform, Bernoulli, ...) of every run.
  uint64_t random_seed = 0;
};

}  // namespace zenith
