// RemoteSut: a queue of samples and client threads that send them one by one.
#include "tools/remote_sut.h"

#include "loadgen/query_samples_complete.h"

namespace zenith::tools {

RemoteSut::RemoteSut(const Connect& connect, std::string model, std::string input,
                     const TensorQsl& qsl, size_t clients, bool keep_outputs)
    : model_(std::move(model)), input_(std::move(input)), qsl_(qsl), keep_outputs_(keep_outputs) {
  for (size_t i = 0; i < std::max<size_t>(clients, 1); ++i) clients_.push_back(connect());
  for (auto& client : clients_) threads_.emplace_back([this, c = client.get()] { work(*c); });
}

RemoteSut::~RemoteSut() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (std::thread& t : threads_) t.join();
}

std::exception_ptr RemoteSut::failure() const {
  const std::lock_guard lock(mutex_);
  return failure_;
}

void RemoteSut::issue_query(std::span<const loadgen::QuerySample> samples) {
  {
    const std::lock_guard lock(mutex_);
    queue_.insert(queue_.end(), samples.begin(), samples.end());
  }
  if (samples.size() == 1)
    work_.notify_one();
  else
    work_.notify_all();
}

void RemoteSut::work(serve::KserveClient& client) {
  for (;;) {
    loadgen::QuerySample sample;
    {
      std::unique_lock lock(mutex_);
      work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      sample = queue_.front();
      queue_.pop_front();
    }
    loadgen::QuerySampleResponse response{sample.id};
    std::vector<Tensor> outputs;
    try {
      outputs = client.infer(model_, {{input_, qsl_.sample(sample.index)}});
      if (keep_outputs_ && !outputs.empty()) {
        response.data = outputs[0].data();
        response.size_bytes = outputs[0].byte_size();
      }
    } catch (...) {
      const std::lock_guard lock(mutex_);
      if (!failure_) failure_ = std::current_exception();
    }
    loadgen::query_samples_complete({&response, 1});
  }
}

}  // namespace zenith::tools
