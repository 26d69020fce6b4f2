// What `zenith bench --server` puts under LoadGen: a KServe v2 server over the network, each
// sample sent as one inference request of batch 1, by `clients` threads each holding its own
// connection (so at most `clients` requests are outstanding; the server batches them if its
// model is configured to). The same LoadGen, settings and logs as an in-process run.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/system_under_test.h"
#include "serve/kserve_client.h"
#include "tools/bench_sut.h"

namespace zenith::tools {

class RemoteSut : public loadgen::SystemUnderTest {
 public:
  using Connect = std::function<std::unique_ptr<serve::KserveClient>()>;
  // With `keep_outputs`, each response carries the sample's output 0 (accuracy mode).
  RemoteSut(const Connect& connect, std::string model, std::string input, const TensorQsl& qsl,
            size_t clients, bool keep_outputs);
  ~RemoteSut() override;  // finishes the queued samples, then joins the clients
  RemoteSut(const RemoteSut&) = delete;
  RemoteSut& operator=(const RemoteSut&) = delete;

  std::string name() const override { return "zenith-remote/" + model_; }
  void issue_query(std::span<const loadgen::QuerySample> samples) override;
  void flush_queries() override {}
  // The first failed request, if any (its sample was completed without data, so that LoadGen
  // does not wait for it forever).
  std::exception_ptr failure() const;

 private:
  void work(serve::KserveClient& client);

  std::string model_, input_;
  const TensorQsl& qsl_;
  const bool keep_outputs_;
  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::deque<loadgen::QuerySample> queue_;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::unique_ptr<serve::KserveClient>> clients_;
  std::vector<std::thread> threads_;
};

}  // namespace zenith::tools
