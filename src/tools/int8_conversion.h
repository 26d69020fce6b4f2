// INT8 conversion as `zenith convert --precision int8` does it: calibrate the graph's
// quantizable nodes that the CPU runs on integer kernels (Conv) on samples, rewrite them in QDQ
// form (passes/quantize.h), measure how closely the quantized outputs follow the f32 ones, and with
// a metric return the nodes that harm it most to f32 until it holds (accuracy-aware quantization).
#pragma once

#include <cstdint>
#include <optional>
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
  // "" (no fallback); "output-error": every output's cosine similarity to f32, on the
  // calibration samples, at least 1 - max_drop; "top1" / "auroc": the top-1 accuracy / each
  // finding's AUROC on `val_count` samples of the dataset `val_data` (default: calib_data) at
  // least (1 - max_drop) of f32's.
  std::string metric;
  double max_drop = 0.01;
  std::string val_data;
  size_t val_count = 1000;
};

// A task metric before and after quantization (--metric top1 / auroc).
struct MetricReport {
  std::string describe;                     // "top-1 on 1000 samples of ..."
  std::vector<std::string> names;           // {"top-1"} or the findings
  std::vector<double> f32, all_int8, int8;  // per name: f32, every node INT8, after fallback
};

struct Int8Report {
  size_t activations = 0;          // calibrated
  std::string method;              // "minmax", ...
  std::string samples;             // what they were: "300 samples of ..."
  bool random = false;             // seeded random samples: ranges good only for timing
  passes::ChangeCounts quantized;  // quantize_qdq's counts, after any fallback
  std::vector<double> cosines;     // per output, quantized against f32 on the samples
  std::vector<double> cosines_all_int8;  // the same before any fallback
  std::vector<std::string> kept_f32;     // nodes the fallback returned to f32, in order
  std::optional<MetricReport> metric;    // with --metric top1 / auroc
};

// Quantizes `graph` (input shapes frozen but for the batch, default passes run) in place.
// Throws InvalidArgument for bad options or samples that do not fit the model.
Int8Report quantize_int8(ir::Graph& graph, const Int8Options& options);

// The median milliseconds of a run of `f32` and of `int8` (its quantized form) on one batch
// of the samples: whether INT8 pays here. Integer convolutions between f32 ops cost
// conversions, and some models (many small layers, much f32 work between convolutions) run
// slower in INT8.
std::pair<double, double> time_f32_and_int8(const ir::Graph& f32, const ir::Graph& int8,
                                            const Int8Options& options);

}  // namespace zenith::tools
