// Calibration runs: batches of samples through a Session, histograms of the observed values.
#include "tools/calibration.h"

#include <algorithm>
#include <cmath>

#include "ir/errors.h"
#include "runtime/session.h"

namespace zenith::tools {

std::map<std::string, ir::Value> sample_batch(CalibrationSamples& samples,
                                              const std::vector<SampleInput>& inputs, size_t first,
                                              size_t batch) {
  std::map<std::string, ir::Value> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ir::Dims dims = {static_cast<int64_t>(batch)};
    dims.insert(dims.end(), inputs[i].sample_dims.begin(), inputs[i].sample_dims.end());
    ir::Tensor t(inputs[i].dtype, dims);
    const size_t bytes = t.size_bytes() / batch;
    for (size_t k = 0; k < batch; ++k)
      samples.read((first + k) % samples.size(), i, static_cast<std::byte*>(t.raw()) + k * bytes);
    feeds[inputs[i].name] = std::move(t);
  }
  return feeds;
}

size_t calibration_batch(const ir::Graph& graph, size_t samples) {
  for (const ir::ValueInfo* v : graph.runtime_inputs())
    if (v->type.shape && !v->type.shape->empty() && (*v->type.shape)[0].is_known())
      return static_cast<size_t>(std::max<int64_t>((*v->type.shape)[0].value, 1));
  return std::clamp<size_t>(samples, 1, 8);
}

namespace {

// The run's progress counter, where it has one: `stage` over `samples`, then batch by batch.
void begin(const RunOptions& run, const char* stage, size_t samples) {
  if (run.progress) run.progress->begin(stage, samples, "samples");
}
void ran(const RunOptions& run, size_t first, size_t batch, size_t samples) {
  if (run.progress) run.progress->add(std::min(batch, samples - first));
}

}  // namespace

std::map<std::string, RangeHistogram> measure_ranges(const ir::Graph& graph,
                                                     const std::vector<std::string>& observe,
                                                     CalibrationSamples& samples,
                                                     const RunOptions& run) {
  // The observed values become outputs of a copy of the graph (where they are not already), so
  // the run hands them back whatever the devices fuse.
  ir::Graph observed = graph;
  std::vector<size_t> index;
  for (const std::string& value : observe) {
    const auto at = std::find_if(observed.outputs.begin(), observed.outputs.end(),
                                 [&](const ir::ValueInfo& v) { return v.name == value; });
    index.push_back(static_cast<size_t>(at - observed.outputs.begin()));
    if (at == observed.outputs.end())
      observed.outputs.push_back(
          {value, graph.type_of(value).value_or(ir::TypeInfo::tensor(ir::DType::F32))});
  }
  std::map<std::string, RangeHistogram> ranges;
  const std::vector<SampleInput> inputs = sample_inputs(observed);
  const size_t batch = calibration_batch(observed, samples.size());
  const runtime::Session session(observed, run.device, run.threads);
  begin(run, "calibrating", samples.size());
  for (size_t first = 0; first < samples.size(); first += batch) {
    const std::vector<ir::Value> outputs = session.run(sample_batch(samples, inputs, first, batch));
    ran(run, first, batch, samples.size());
    for (size_t i = 0; i < observe.size(); ++i) {
      const ir::Tensor& t = outputs[index[i]].tensor("value '" + observe[i] + "'");
      if (t.dtype() != ir::DType::F32)
        throw_invalid_argument("value '{}' is {}, not f32: it cannot be calibrated", observe[i],
                               ir::dtype_name(t.dtype()));
      ranges[observe[i]].add(t.data<float>(), static_cast<size_t>(t.numel()));
    }
  }
  return ranges;
}

namespace {

// Running sums of x.y, x.x and y.y per output, over batch after batch of two models' outputs.
class CosineSums {
 public:
  explicit CosineSums(const ir::Graph& expected)
      : expected_(expected), sums_(expected.outputs.size()) {}

  void add(const std::vector<ir::Value>& a, const std::vector<ir::Value>& b) {
    for (size_t i = 0; i < sums_.size() && i < a.size() && i < b.size(); ++i) {
      const ir::Tensor& x = a[i].tensor("output");
      const ir::Tensor& y = b[i].tensor("output");
      if (x.dtype() != y.dtype() || x.dims() != y.dims())
        throw_invalid_argument("output '{}': {}{} against {}{}: the two models disagree on it",
                               expected_.outputs[i].name, ir::dtype_name(x.dtype()),
                               ir::to_string(x.dims()), ir::dtype_name(y.dtype()),
                               ir::to_string(y.dims()));
      if (x.dtype() == ir::DType::String) continue;  // not numbers: left out (cosine 1)
      for (int64_t k = 0; k < x.numel(); ++k) {
        const double p = x.as_double(k), q = y.as_double(k);
        sums_[i].dot += p * q;
        sums_[i].want += p * p;
        sums_[i].got += q * q;
      }
    }
  }

  std::vector<double> cosines() const {
    std::vector<double> out;
    for (const Sums& s : sums_)
      out.push_back(s.want == 0 || s.got == 0 ? (s.want == s.got ? 1.0 : 0.0)
                                              : s.dot / std::sqrt(s.want * s.got));
    return out;
  }

 private:
  struct Sums {
    double dot = 0, want = 0, got = 0;
  };
  const ir::Graph& expected_;
  std::vector<Sums> sums_;
};

}  // namespace

std::vector<double> output_cosines(const ir::Graph& expected, const ir::Graph& actual,
                                   CalibrationSamples& samples, const RunOptions& run) {
  const std::vector<SampleInput> inputs = sample_inputs(expected);
  const size_t batch = calibration_batch(expected, samples.size());
  const runtime::Session want(expected, run.device, run.threads);
  const runtime::Session got(actual, run.device, run.threads);
  CosineSums sums(expected);
  begin(run, "comparing the outputs with f32's", samples.size());
  for (size_t first = 0; first < samples.size(); first += batch) {
    const auto feeds = sample_batch(samples, inputs, first, batch);
    sums.add(want.run(feeds), got.run(feeds));
    ran(run, first, batch, samples.size());
  }
  return sums.cosines();
}

ReferenceOutputs::ReferenceOutputs(const ir::Graph& expected, CalibrationSamples& samples,
                                   const RunOptions& run)
    : expected_(expected), samples_(samples), run_(run) {
  const runtime::Session session(expected, run.device, run.threads);
  const std::vector<SampleInput> inputs = sample_inputs(expected);
  const size_t batch = calibration_batch(expected, samples.size());
  begin(run, "running f32 for the fallback's ranking", samples.size());
  for (size_t first = 0; first < samples.size(); first += batch) {
    batches_.push_back(session.run(sample_batch(samples, inputs, first, batch)));
    ran(run, first, batch, samples.size());
  }
}

std::vector<double> ReferenceOutputs::cosines(const ir::Graph& actual) const {
  const std::vector<SampleInput> inputs = sample_inputs(expected_);
  const size_t batch = calibration_batch(expected_, samples_.size());
  const runtime::Session got(actual, run_.device, run_.threads);
  CosineSums sums(expected_);
  for (size_t b = 0; b < batches_.size(); ++b)
    sums.add(batches_[b], got.run(sample_batch(samples_, inputs, b * batch, batch)));
  return sums.cosines();
}

}  // namespace zenith::tools
