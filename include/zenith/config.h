// zenith::Config: how a model is compiled for a device.
#pragma once

#include <cstdint>
#include <string>

#include "zenith/export.h"

namespace zenith {

enum class PerformanceHint {
  latency,     // one request at a time, on all the threads
  throughput,  // several requests at once, each stream on its own threads
};

ZENITH_API const char* to_string(PerformanceHint hint);  // "LATENCY", "THROUGHPUT"

// The floating-point precision convolutions and matrix products compute in. The weights,
// activations between other steps and the outputs stay f32.
enum class InferencePrecision {
  f32,        // results comparable to PyTorch at 1e-3
  bf16,       // BF16 inputs and weights, f32 accumulation, on a CPU with BF16 instructions (AMX or
              // AVX512-BF16); f32 on one without, where emulating BF16 is slower than f32
  automatic,  // bf16 where the outputs stay within kAutoBf16Tolerance of f32's, else f32
};

// `auto` keeps BF16 when every floating-point output's relative L2 error to the f32 outputs,
// on seeded random inputs at compile time, is at most this.
inline constexpr double kAutoBf16Tolerance = 1e-2;

ZENITH_API const char* to_string(InferencePrecision precision);  // "f32", "bf16", "auto"
// "f32" (or "fp32"), "bf16" or "auto". Throws Error (InvalidArgument) for anything else.
ZENITH_API InferencePrecision parse_inference_precision(const std::string& text);

struct Config {
  PerformanceHint hint = PerformanceHint::latency;
  // Streams: requests that run at the same time, each on its own threads and memory.
  // 0: from the hint (latency: 1; throughput: see CompiledModel::config()).
  int num_streams = 0;
  // Threads for all streams together; each stream gets num_threads / num_streams (at least 1).
  // 0: every core the process may use (its CPU affinity, capped by a container's CPU quota).
  int num_threads = 0;
  // Time each step of every run, for InferRequest::profiling_info(). Costs a clock read per step.
  bool profiling = false;
  // Seeds the random ops (RandomNormal, RandomUniform, Bernoulli, ...) of every run.
  uint64_t random_seed = 0;
  InferencePrecision inference_precision = InferencePrecision::f32;
};

}  // namespace zenith
