// Prometheus metrics, per model and version, served as text at GET /metrics on the REST port:
// requests and failures, the time requests wait in the queue and the time their runs take, and
// the sizes of the batches run; and the process's memory, read when scraped (resident, and what
// malloc holds allocated: the second moves only with live objects, so a leak shows in it where
// RSS also moves with freed pages the allocator keeps). Failures for models that are not served are
// counted without a model label: labels from request URLs would let any client grow the registry
// without bound.
#pragma once

#include <memory>
#include <string>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace zenith::serve {

class Metrics;

// One model version's metrics. They stay in the registry after the version is unloaded
// (counters do not go back), and a version loaded again adds to the same series; the series
// are as many as the versions the repository ever held. Metrics must outlive them.
class ModelMetrics {
 public:
  ModelMetrics(Metrics& metrics, const std::string& model, const std::string& version);

  void request() const;
  void failure() const;
  void queued(double seconds) const;
  void computed(double seconds) const;  // a run (a batch's, when batched)
  void batch(int64_t requests) const;   // the requests a run served

 private:
  prometheus::Counter *requests_, *failures_;
  prometheus::Histogram *queue_, *compute_, *batch_;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  // A request that failed before reaching a served model (unknown model, malformed body).
  void rejected() const;
  // The text exposition format.
  std::string text() const;

 private:
  friend class ModelMetrics;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>*requests_, *failures_;
  prometheus::Family<prometheus::Histogram>*queue_, *compute_, *batch_;
  prometheus::Counter* rejected_;
  prometheus::Gauge *resident_, *heap_;
};

}  // namespace zenith::serve
