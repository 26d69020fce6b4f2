// Metrics on prometheus-cpp's core library (the registry and its text serializer; the REST
// server exposes them, so no second HTTP server).
#include "serve/metrics.h"

#include <malloc.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "ir/glibc_malloc.h"

#if !ZENITH_GLIBC_MALLOC
// The sanitizers' allocator interface (GCC ships the runtime, not its header).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace zenith::serve {
namespace {

// Seconds, from 100 us to 10 s, about x2.5 apart.
const prometheus::Histogram::BucketBoundaries kSeconds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
const prometheus::Histogram::BucketBoundaries kBatch = {1, 2, 4, 8, 16, 32, 64};

size_t heap_allocated() {
#if ZENITH_GLIBC_MALLOC
  const struct mallinfo2 heap = mallinfo2();
  return heap.uordblks + heap.hblkhd;
#else
  return __sanitizer_get_current_allocated_bytes();
#endif
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &prometheus::BuildCounter()
                   .Name("zenith_inference_requests_total")
                   .Help("Inference requests that reached a served model")
                   .Register(*registry_);
  failures_ = &prometheus::BuildCounter()
                   .Name("zenith_inference_failures_total")
                   .Help(
                       "Inference requests that failed: by model, or without a model label "
                       "when none was served under the name asked for")
                   .Register(*registry_);
  queue_ = &prometheus::BuildHistogram()
                .Name("zenith_inference_queue_seconds")
                .Help("Time a request waited for a model instance or a batch")
                .Register(*registry_);
  compute_ = &prometheus::BuildHistogram()
                  .Name("zenith_inference_compute_seconds")
                  .Help("Time of a run (a whole batch when batched)")
                  .Register(*registry_);
  batch_ = &prometheus::BuildHistogram()
                .Name("zenith_inference_batch_size")
                .Help("Requests served by one run")
                .Register(*registry_);
  rejected_ = &failures_->Add({});
  resident_ = &prometheus::BuildGauge()
                   .Name("process_resident_memory_bytes")
                   .Help("Resident memory of the server's process, when scraped")
                   .Register(*registry_)
                   .Add({});
  heap_ = &prometheus::BuildGauge()
               .Name("zenith_heap_allocated_bytes")
               .Help("Bytes malloc holds allocated to the process's objects, when scraped")
               .Register(*registry_)
               .Add({});
}

Metrics::~Metrics() = default;

void Metrics::rejected() const { rejected_->Increment(); }

std::string Metrics::text() const {
  int64_t size = 0, pages = 0;
  std::ifstream("/proc/self/statm") >> size >> pages;
  resident_->Set(static_cast<double>(pages * sysconf(_SC_PAGESIZE)));
  heap_->Set(static_cast<double>(heap_allocated()));
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

ModelMetrics::ModelMetrics(Metrics& metrics, const std::string& model, const std::string& version) {
  const prometheus::Labels labels = {{"model", model}, {"version", version}};
  requests_ = &metrics.requests_->Add(labels);
  failures_ = &metrics.failures_->Add(labels);
  queue_ = &metrics.queue_->Add(labels, kSeconds);
  compute_ = &metrics.compute_->Add(labels, kSeconds);
  batch_ = &metrics.batch_->Add(labels, kBatch);
}

void ModelMetrics::request() const { requests_->Increment(); }
void ModelMetrics::failure() const { failures_->Increment(); }
void ModelMetrics::queued(double seconds) const { queue_->Observe(seconds); }
void ModelMetrics::computed(double seconds) const { compute_->Observe(seconds); }
void ModelMetrics::batch(int64_t requests) const { batch_->Observe(static_cast<double>(requests)); }

}  // namespace zenith::serve
