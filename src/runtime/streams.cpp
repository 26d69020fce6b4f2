// Streams: a task queue and its threads.
#include "runtime/streams.h"

#include <condition_variable>
#include <deque>
#include <mutex>

namespace zenith::runtime {

struct Streams::Queue {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::function<void()>> tasks;
  bool stopping = false;

  void serve() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex);
        ready.wait(lock, [&] { return stopping || !tasks.empty(); });
        if (tasks.empty()) return;
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();  // tasks report their own failures
    }
  }
};

Streams::Streams(int count) : queue_(std::make_shared<Queue>()) {
  for (int i = 0; i < count; ++i) threads_.emplace_back([queue = queue_] { queue->serve(); });
}

Streams::~Streams() {
  {
    std::lock_guard<std::mutex> lock(queue_->mutex);
    queue_->stopping = true;
  }
  queue_->ready.notify_all();
  for (std::thread& t : threads_) {
    if (t.get_id() == std::this_thread::get_id())
      t.detach();
    else
      t.join();
  }
}

void Streams::submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(queue_->mutex);
    queue_->tasks.push_back(std::move(task));
  }
  queue_->ready.notify_one();
}

}  // namespace zenith::runtime
