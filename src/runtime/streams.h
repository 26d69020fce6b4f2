// Streams: the threads a compiled model runs asynchronous requests on, fed from one queue.
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace zenith::runtime {

class Streams {
 public:
  explicit Streams(int count);
  // Runs what is queued, then joins the threads. May run on one of them (when a task drops the
  // last reference to the owner): that thread is left to finish its loop on its own.
  ~Streams();
  Streams(const Streams&) = delete;
  Streams& operator=(const Streams&) = delete;

  void submit(std::function<void()> task);

 private:
  struct Queue;
  std::shared_ptr<Queue> queue_;  // shared with the threads, which may outlive this object
  std::vector<std::thread> threads_;
};

}  // namespace zenith::runtime
