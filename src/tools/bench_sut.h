// What `zenith bench` puts under LoadGen: a query sample library of input tensors and a system
// under test that runs queued samples on a compiled model's asynchronous requests.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <condition_variable>
#include <deque>
#include <vector>

#include "loadgen/query_sample_library.h"
#include "loadgen/system_under_test.h"
#include "zenith/zenith.h"

namespace zenith::tools {

// Samples as [1, ...] tensors made by `load(index)` when LoadGen loads them, dropped when it
// unloads them.
class TensorQsl : public loadgen::QuerySampleLibrary {
 public:
  using Loader = std::function<Tensor(size_t index)>;
  TensorQsl(std::string name, size_t total, size_t performance_count, Loader load);

  std::string name() const override { return name_; }
  size_t total_sample_count() const override { return total_; }
  size_t performance_sample_count() const override { return performance_count_; }
  void load_samples(std::span<const loadgen::QuerySampleIndex> samples) override;
  void unload_samples(std::span<const loadgen::QuerySampleIndex> samples) override;

  // REQUIRES: `index` is loaded. Thread-safe while no load or unload runs, which LoadGen
  // guarantees during a run.
  const Tensor& sample(loadgen::QuerySampleIndex index) const { return loaded_.at(index); }

 private:
  std::string name_;
  size_t total_;
  size_t performance_count_;
  Loader load_;
  std::map<loadgen::QuerySampleIndex, Tensor> loaded_;
};

// Runs samples on the compiled model's `requests` requests, each taking up to `batch` queued
// samples per run (in issue order) and completing each sample on its own when its run ends;
// with `keep_outputs`, each response carries the sample's row of output 0 (accuracy mode).
// A model whose batch dim is fixed runs full batches: a short one is padded with copies of its
// last sample, whose outputs are dropped.
class EngineSut : public loadgen::SystemUnderTest {
 public:
  EngineSut(const CompiledModel& compiled, const TensorQsl& qsl, size_t requests, size_t batch,
            bool keep_outputs);
  ~EngineSut() override;  // waits for the runs in flight
  EngineSut(const EngineSut&) = delete;
  EngineSut& operator=(const EngineSut&) = delete;

  std::string name() const override;
  void issue_query(std::span<const loadgen::QuerySample> samples) override;
  void flush_queries() override {}

  // The first failure of a run, if any (its samples were completed without data, so that
  // LoadGen does not wait for them forever).
  std::exception_ptr failure() const;

 private:
  struct Slot {
    InferRequest request;
    std::vector<loadgen::QuerySample> samples;  // in this run
    Tensor input;                               // the batch, when it is not one sample
  };

  void start(Slot& slot);  // REQUIRES: mutex_ held, queue_ not empty
  void finish(Slot& slot, std::exception_ptr error);

  const CompiledModel& compiled_;
  const TensorQsl& qsl_;
  const size_t batch_;
  const bool fixed_batch_;
  const bool keep_outputs_;
  mutable std::mutex mutex_;
  std::condition_variable idle_;
  std::deque<loadgen::QuerySample> queue_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_;
  std::exception_ptr failure_;
};

}  // namespace zenith::tools
