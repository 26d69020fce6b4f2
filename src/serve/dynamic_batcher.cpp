// DynamicBatcher: a queue under one mutex, workers that gather batches, callers that wait for
// their rows.
#include "serve/dynamic_batcher.h"

#include <algorithm>
#include <cstring>

#include "ir/errors.h"

namespace zenith::serve {

struct DynamicBatcher::Pending {
  const InferenceRequest* request = nullptr;
  int64_t rows = 0;
  Clock::time_point arrival;
  enum class State { queued, running, done } state = State::queued;
  InferenceResponse response;
  std::exception_ptr error;
};

DynamicBatcher::DynamicBatcher(const std::string& model, const CompiledModel& compiled,
                               std::vector<InferRequest> requests, int64_t max_batch_size,
                               int64_t max_queue_delay_us, size_t max_queue,
                               const ModelMetrics* metrics)
    : model_(model),
      inputs_(compiled.inputs()),
      outputs_(compiled.outputs()),
      max_batch_(max_batch_size),
      delay_(max_queue_delay_us),
      max_queue_(max_queue),
      metrics_(metrics) {
  if (max_batch_ > kMaxBatch)
    throw_invalid_argument("model '{}': max_batch_size {} exceeds {}", model, max_batch_,
                           kMaxBatch);
  for (const std::vector<Port>* ports : {&inputs_, &outputs_})
    for (const Port& p : *ports)
      if (!p.has_shape || p.shape.empty() || p.shape[0] >= 0)
        throw_invalid_argument(
            "model '{}': max_batch_size needs every input and output to have an open first "
            "dimension to batch along; '{}' is {}",
            model, p.name, to_string(p));
  for (const Port& p : inputs_) {
    size_t bytes = element_size(p.element_type);
    for (size_t d = 1; d < p.shape.size(); ++d) {
      if (p.shape[d] < 0)
        throw_invalid_argument(
            "model '{}': max_batch_size needs the dimensions of input '{}' beyond the first "
            "fixed; it is {}",
            model, p.name, to_string(p));
      bytes *= static_cast<size_t>(p.shape[d]);
    }
    row_bytes_.push_back(bytes);
  }
  for (int64_t s = 1; s < max_batch_; s *= 2) sizes_.push_back(s);
  sizes_.push_back(max_batch_);
  workers_.reserve(requests.size());
  for (InferRequest& r : requests) {
    Worker& w = workers_.emplace_back(Worker{std::move(r), {}, {}});
    for (size_t bytes : row_bytes_) w.inputs.emplace_back(bytes * static_cast<size_t>(max_batch_));
  }
  for (Worker& w : workers_) w.thread = std::thread([this, &w] { work(w); });
}

DynamicBatcher::~DynamicBatcher() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (Worker& w : workers_) w.thread.join();
}

int64_t DynamicBatcher::padded(int64_t rows) const {
  return *std::lower_bound(sizes_.begin(), sizes_.end(), rows);
}

void DynamicBatcher::warm_up() {
  for (Worker& w : workers_)
    for (int64_t size : sizes_) {
      for (size_t i = 0; i < inputs_.size(); ++i) {
        Shape shape = inputs_[i].shape;
        shape[0] = size;
        w.request.set_input(inputs_[i].name,
                            Tensor(inputs_[i].element_type, shape, w.inputs[i].data()));
      }
      run_on_stream(w.request);
    }
}

InferenceResponse DynamicBatcher::infer(const InferenceRequest& request,
                                        std::optional<Clock::time_point> deadline) {
  Pending pending;
  pending.request = &request;
  pending.rows = request.inputs.front().shape.at(0);
  pending.arrival = Clock::now();
  std::unique_lock lock(mutex_);
  if (queue_.size() >= max_queue_)
    reject(Status::resource_exhausted, "model '{}': {} requests are queued already (the limit)",
           model_, queue_.size());
  queue_.push_back(&pending);
  work_.notify_all();
  const auto done = [&] { return pending.state == Pending::State::done; };
  if (!deadline) {
    done_.wait(lock, done);
  } else if (!done_.wait_until(lock, *deadline, done)) {
    if (pending.state == Pending::State::queued) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), &pending));
      reject(Status::deadline_exceeded,
             "model '{}': the request's timeout passed before a batch took it", model_);
    }
    done_.wait(lock, done);  // running: its rows come soon, and the batch reads its inputs
  }
  if (pending.error) std::rethrow_exception(pending.error);
  return std::move(pending.response);
}

std::vector<DynamicBatcher::Pending*> DynamicBatcher::take_batch() {
  std::vector<Pending*> batch;
  int64_t rows = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (rows + (*it)->rows > max_batch_) {
      ++it;
      continue;
    }
    rows += (*it)->rows;
    (*it)->state = Pending::State::running;
    batch.push_back(*it);
    it = queue_.erase(it);
  }
  return batch;
}

void DynamicBatcher::work(Worker& worker) {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    // Wait for the batch to fill, at most the delay after its oldest request arrived.
    for (;;) {
      int64_t rows = 0;
      for (const Pending* p : queue_) rows += p->rows;
      if (queue_.empty() || rows >= max_batch_ || stopping_) break;
      if (work_.wait_until(lock, queue_.front()->arrival + delay_) == std::cv_status::timeout)
        break;
    }
    if (queue_.empty()) continue;
    const std::vector<Pending*> batch = take_batch();
    lock.unlock();
    const auto start = Clock::now();
    run_batch(worker, batch);
    if (metrics_) {
      for (const Pending* p : batch)
        metrics_->queued(std::chrono::duration<double>(start - p->arrival).count());
      metrics_->computed(std::chrono::duration<double>(Clock::now() - start).count());
      metrics_->batch(static_cast<int64_t>(batch.size()));
    }
    lock.lock();
    for (Pending* p : batch) p->state = Pending::State::done;
    done_.notify_all();
  }
}

void DynamicBatcher::run_batch(Worker& worker, const std::vector<Pending*>& batch) {
  try {
    int64_t rows = 0;
    for (const Pending* p : batch) rows += p->rows;
    const int64_t size = padded(rows);
    for (size_t i = 0; i < inputs_.size(); ++i) {
      unsigned char* out = worker.inputs[i].data();
      for (const Pending* p : batch) {
        const auto in =
            std::find_if(p->request->inputs.begin(), p->request->inputs.end(),
                         [&](const InputTensor& t) { return t.name == inputs_[i].name; });
        std::memcpy(out, in->data, in->bytes);
        out += in->bytes;
      }
      std::memset(out, 0, static_cast<size_t>(size - rows) * row_bytes_[i]);  // the padding
      Shape shape = inputs_[i].shape;
      shape[0] = size;
      worker.request.set_input(inputs_[i].name,
                               Tensor(inputs_[i].element_type, shape, worker.inputs[i].data()));
    }
    run_on_stream(worker.request);
    std::vector<Tensor> results;
    for (const Port& port : outputs_) results.push_back(worker.request.get_output(port.name));
    int64_t row = 0;
    for (Pending* p : batch) {
      const InferenceRequest& r = *p->request;
      p->response = {model_, "", r.id, {}};
      for (size_t o = 0; o < outputs_.size(); ++o) {
        const std::optional<bool> binary = wanted_output(r, outputs_[o].name);
        if (!binary) continue;
        const Tensor& all = results[o];
        Shape shape = all.shape();
        const size_t bytes_per_row = all.byte_size() / static_cast<size_t>(shape[0]);
        shape[0] = p->rows;
        Tensor mine(all.element_type(), shape);
        std::memcpy(mine.data(),
                    static_cast<const unsigned char*>(all.data()) + row * bytes_per_row,
                    mine.byte_size());
        p->response.outputs.push_back({outputs_[o].name, std::move(mine), *binary});
      }
      row += p->rows;
    }
  } catch (const Error& e) {
    const auto error = std::make_exception_ptr(
        RequestError(Status::internal, fmt::format("model '{}': {}", model_, e.what())));
    for (Pending* p : batch) p->error = error;
  }
}

}  // namespace zenith::serve
