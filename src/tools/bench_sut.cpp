// The engine under LoadGen: a queue of samples drained by the compiled model's requests, each
// request's callback completing its samples and starting the next batch itself.
#include "tools/bench_sut.h"

#include <cstring>

#include "ir/errors.h"
#include "loadgen/query_samples_complete.h"

namespace zenith::tools {

TensorQsl::TensorQsl(std::string name, size_t total, size_t performance_count, Loader load)
    : name_(std::move(name)), total_(total), performance_count_(performance_count),
      load_(std::move(load)) {}

void TensorQsl::load_samples(std::span<const loadgen::QuerySampleIndex> samples) {
  for (loadgen::QuerySampleIndex index : samples)
    if (!loaded_.count(index)) loaded_.emplace(index, load_(index));
}

void TensorQsl::unload_samples(std::span<const loadgen::QuerySampleIndex> samples) {
  for (loadgen::QuerySampleIndex index : samples) loaded_.erase(index);
}

namespace {

bool has_fixed_batch(const CompiledModel& compiled) {
  const Port& input = compiled.inputs().at(0);
  return input.has_shape && !input.shape.empty() && input.shape[0] >= 0;
}

}  // namespace

EngineSut::EngineSut(const CompiledModel& compiled, const TensorQsl& qsl, size_t requests,
                     size_t batch, bool keep_outputs)
    : compiled_(compiled), qsl_(qsl),
      batch_(has_fixed_batch(compiled) ? static_cast<size_t>(compiled.inputs()[0].shape[0]) : batch),
      fixed_batch_(has_fixed_batch(compiled)), keep_outputs_(keep_outputs) {
  if (compiled.inputs().size() != 1)
    throw_invalid_argument("zenith bench drives models with one input; this one has {}",
                           compiled.inputs().size());
  if (batch_ == 0) throw_invalid_argument("zenith bench: the batch must be at least 1");
  for (size_t i = 0; i < std::max<size_t>(requests, 1); ++i) {
    auto slot = std::make_unique<Slot>(Slot{compiled.create_infer_request(), {}, {}});
    Slot* raw = slot.get();
    raw->request.set_callback([this, raw](std::exception_ptr error) { finish(*raw, error); });
    free_.push_back(raw);
    slots_.push_back(std::move(slot));
  }
}

EngineSut::~EngineSut() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return free_.size() == slots_.size(); });
}

std::string EngineSut::name() const {
  return fmt::format("Zenith {} ({} requests, batch {})", compiled_.device(), slots_.size(), batch_);
}

std::exception_ptr EngineSut::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

void EngineSut::issue_query(std::span<const loadgen::QuerySample> samples) {
  std::lock_guard lock(mutex_);
  queue_.insert(queue_.end(), samples.begin(), samples.end());
  while (!queue_.empty() && !free_.empty()) {
    Slot* slot = free_.back();
    free_.pop_back();
    // A slot is freed inside its request's callback, which still holds the request until it
    // returns; its samples are complete, so LoadGen may already be issuing the next query.
    slot->request.wait();
    start(*slot);
  }
}

void EngineSut::start(Slot& slot) {
  slot.samples.clear();
  while (!queue_.empty() && slot.samples.size() < batch_) {
    slot.samples.push_back(queue_.front());
    queue_.pop_front();
  }
  try {
    if (slot.samples.size() == 1 && (!fixed_batch_ || batch_ == 1)) {
      slot.request.set_input(0, qsl_.sample(slot.samples[0].index));
    } else {
      const Tensor& first = qsl_.sample(slot.samples[0].index);
      Shape shape = first.shape();
      const size_t rows = fixed_batch_ ? batch_ : slot.samples.size();
      shape[0] = static_cast<int64_t>(rows);
      if (slot.input.shape() != shape) slot.input = Tensor(first.element_type(), shape);
      const size_t row_bytes = first.byte_size();
      auto* dst = static_cast<std::byte*>(slot.input.data());
      for (size_t i = 0; i < rows; ++i) {
        const Tensor& sample = qsl_.sample(slot.samples[std::min(i, slot.samples.size() - 1)].index);
        std::memcpy(dst + i * row_bytes, sample.data(), row_bytes);
      }
      slot.request.set_input(0, slot.input);
    }
    slot.request.start_async();
  } catch (...) {
    if (!failure_) failure_ = std::current_exception();
    std::vector<loadgen::QuerySampleResponse> responses;
    for (const loadgen::QuerySample& s : slot.samples) responses.push_back({s.id});
    loadgen::query_samples_complete(responses);
    free_.push_back(&slot);
    idle_.notify_all();
  }
}

void EngineSut::finish(Slot& slot, std::exception_ptr error) {
  std::vector<loadgen::QuerySampleResponse> responses;
  Tensor output;
  size_t row_bytes = 0;
  if (!error && keep_outputs_) {
    try {
      output = slot.request.get_output(0);
      row_bytes = output.byte_size() / static_cast<size_t>(output.shape().at(0));
    } catch (...) {
      error = std::current_exception();
    }
  }
  for (size_t i = 0; i < slot.samples.size(); ++i) {
    loadgen::QuerySampleResponse response{slot.samples[i].id};
    if (!error && keep_outputs_) {
      response.data = static_cast<const std::byte*>(output.data()) + i * row_bytes;
      response.size_bytes = row_bytes;
    }
    responses.push_back(response);
  }
  if (error) {
    std::lock_guard lock(mutex_);
    if (!failure_) failure_ = error;
  }
  loadgen::query_samples_complete(responses);
  std::lock_guard lock(mutex_);
  if (!queue_.empty()) {
    start(slot);
  } else {
    free_.push_back(&slot);
    idle_.notify_all();
  }
}

}  // namespace zenith::tools
