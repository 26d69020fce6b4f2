// Calibration: the value ranges INT8 quantization needs, measured by running the f32 model on
// sample inputs, and the agreement of two models' outputs on the same samples.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/value.h"
#include "tools/calibration_samples.h"
#include "tools/progress.h"
#include "tools/range_histogram.h"

namespace zenith::tools {

struct RunOptions {
  std::string device = "CPU";
  int threads = 0;
  WorkCounter* progress = nullptr;  // counts the samples run, for a progress line
};

// Batch `first / batch` of the samples: per input, `batch` samples from `first` on, wrapping
// around to sample 0 past the end (a model compiled for a fixed batch needs it full).
std::map<std::string, ir::Value> sample_batch(CalibrationSamples& samples,
                                              const std::vector<SampleInput>& inputs, size_t first,
                                              size_t batch);

// The batch a graph runs calibration with: its inputs' fixed batch size if they have one, else
// up to 8 samples.
size_t calibration_batch(const ir::Graph& graph, size_t samples);

// Runs `graph` on every sample and records the values named in `observe` (f32 tensors the graph
// computes or takes as inputs), one histogram each.
std::map<std::string, RangeHistogram> measure_ranges(const ir::Graph& graph,
                                                     const std::vector<std::string>& observe,
                                                     CalibrationSamples& samples,
                                                     const RunOptions& run);

// How closely `actual`'s outputs follow `expected`'s over the samples: per output (in graph
// order), the cosine similarity of all its values laid end to end (of any numeric type: an i64
// class index output counts too).
std::vector<double> output_cosines(const ir::Graph& expected, const ir::Graph& actual,
                                   CalibrationSamples& samples, const RunOptions& run);

// `expected`'s outputs on every batch of a few samples, kept, so that many candidate graphs
// are compared with them without running `expected` again (the INT8 fallback's ranking). Holds
// all the outputs: for a small sample set.
class ReferenceOutputs {
 public:
  ReferenceOutputs(const ir::Graph& expected, CalibrationSamples& samples, const RunOptions& run);
  // output_cosines(expected, actual, samples, run), with expected's outputs from the store.
  std::vector<double> cosines(const ir::Graph& actual) const;

 private:
  const ir::Graph& expected_;
  CalibrationSamples& samples_;
  RunOptions run_;
  std::vector<std::vector<ir::Value>> batches_;
};

}  // namespace zenith::tools
