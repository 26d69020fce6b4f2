// INT8 conversion as `zenith convert --precision int8` does it: calibrate the graph's
// quantizable nodes on samples, rewrite them in QDQ form (passes/quantize.h), and measure how
// closely the quantized outputs follow the f32 ones.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass_util.h"
#include "tools/calibration.h"

namespace zenith::tools {

struct Int8Options {
  std::string calib_data;  // calibration_samples.h's spec; "": seeded random samples
  size_t calib_count = 300;
  std::string calib_method = "minmax";
  uint64_t seed = 0;        // of random samples
  std::string mean, scale;  // a dataset's preprocessing ("" for its default)
  RunOptions run;
};

struct Int8Report {
  size_t activations = 0;          // calibrated
  std::string method;              // "minmax", ...
  std::string samples;             // what they were: "300 samples of ..."
  bool random = false;             // seeded random samples: ranges good only for timing
  passes::ChangeCounts quantized;  // quantize_qdq's counts
  std::vector<double> cosines;     // per output, quantized against f32 on the samples
};

// Quantizes `graph` (input shapes frozen but for the batch, default passes run) in place.
// Throws InvalidArgument for bad options or samples that do not fit the model.
Int8Report quantize_int8(ir::Graph& graph, const Int8Options& options);

}  // namespace zenith::tools
