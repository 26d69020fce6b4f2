// A fixed set of threads running posted tasks in order, with a bounded backlog: what runs
// gRPC's inference calls, so that however many calls arrive the server's threads stay
// `threads`, and calls beyond the backlog are refused at once rather than held in memory.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace zenith::serve {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_backlog);
  ~WorkerPool();  // runs what is posted, then joins

  // Queues `task`; false (and `task` not kept) when `max_backlog` tasks wait already.
  bool post(std::function<void()> task);
  size_t max_backlog() const { return max_backlog_; }

 private:
  void work();

  const size_t max_backlog_;
  std::mutex mutex_;
  std::condition_variable posted_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace zenith::serve
