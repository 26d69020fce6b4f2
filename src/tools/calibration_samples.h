// The samples calibration runs a model on: .npy files, a dataset `zenith bench` knows, or seeded
// random values. Read one at a time, so a large set never sits in memory whole.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "tools/dataset.h"

namespace zenith::tools {

// One model input as calibration feeds it: its name and the dims of one sample (the input's
// dims without the batch axis, which must be known).
struct SampleInput {
  std::string name;
  ir::DType dtype = ir::DType::F32;
  ir::Dims sample_dims;
};

class CalibrationSamples {
 public:
  virtual ~CalibrationSamples() = default;
  // How many samples there are (at most the count asked for).
  virtual size_t size() const = 0;
  // What the samples are, for the report: "300 samples of DIR".
  virtual std::string describe() const = 0;
  // True for seeded random values: ranges measured on them are only good for timing.
  virtual bool random() const { return false; }
  // Sample `index` of input `input` (in the order given when opened) written at `out`, which
  // holds one sample of that input.
  virtual void read(size_t index, size_t input, std::byte* out) = 0;
};

// The graph's runtime inputs as calibration feeds them. Throws InvalidArgument naming an input
// whose rank or non-batch dims are unknown.
std::vector<SampleInput> sample_inputs(const ir::Graph& graph);

// Opens `spec` for `inputs`, keeping at most `count` samples:
//   "" : seeded random values (floats uniform in [-1, 1)), `count` of them;
//   a folder: .npy files of [k, sample dims...] for any k, read in name order; for a model with
//     several inputs, each input's files are named <input>_<i>.npy, i = 0, 1, ...;
//   a dataset name or folder `zenith bench --dataset` takes, for one [N, C, H, W] f32 input,
//     preprocessed with `mean` and `scale` ("" for the dataset's default).
// Throws InvalidArgument naming the file or input that does not fit.
std::unique_ptr<CalibrationSamples> open_calibration_samples(const std::string& spec,
                                                             const std::vector<SampleInput>& inputs,
                                                             size_t count, uint64_t seed,
                                                             const std::string& mean,
                                                             const std::string& scale);

// The first `count` samples of `dataset` (all if fewer), preprocessed as `layout` says.
std::unique_ptr<CalibrationSamples> dataset_samples(std::shared_ptr<const Dataset> dataset,
                                                    const InputLayout& layout, size_t count);

}  // namespace zenith::tools
