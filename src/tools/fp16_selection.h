// Mixed-precision weight compression for `zenith convert --compress fp16`: which f32 constants
// must stay f32 so that the outputs stay within a tolerance of the f32 model's.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/value.h"
#include "tools/progress.h"

namespace zenith::tools {

struct Tolerance {
  double rtol = 1e-2;
  double atol = 1e-3;
};

// The largest |actual - expected| / (atol + rtol * |expected|) over every element of every
// output: the outputs are within tolerance when it is at most 1. A NaN where the other is not
// NaN, or a dtype or shape that differs, is infinitely far. REQUIRES: tensor outputs.
double tolerance_ratio(const std::vector<ir::Value>& actual,
                       const std::vector<ir::Value>& expected, const Tolerance& tolerance);

struct Fp16Plan {
  std::set<std::string> keep_f32;  // initializers to store as f32
  size_t candidates = 0;           // initializers write_zir would store as f16
  double ratio_all_f16 = 0;        // tolerance_ratio with every candidate in f16
  double ratio = 0;                // with keep_f32 kept f32
  int evaluations = 0;             // model runs, each on a freshly compiled graph
};

// Runs the graph on `feeds` on `device`, first as it is, then with its f16-candidate initializers
// rounded to f16 as a .zir stores them. If the outputs are then out of tolerance, it measures
// how far rounding each candidate alone moves them, and keeps f32 the fewest of the most
// sensitive that bring the outputs back within tolerance (a binary search over that ranking,
// which assumes that keeping more never hurts; the returned ratio is measured, not assumed).
// Throws what compiling or running the graph throws.
// `progress`, if given, counts the model runs.
Fp16Plan plan_fp16(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds,
                   const std::string& device, int num_threads, const Tolerance& tolerance,
                   WorkCounter* progress = nullptr);

}  // namespace zenith::tools
