// What the peer benchmark's C++ tools share: the thread count and the timing loop.
#pragma once

#include <omp.h>

#include <chrono>
#include <vector>

namespace zenith::bench {

// oneDNN, and with it the CPU device, runs on OpenMP; the driver also sets OMP_NUM_THREADS.
inline void set_threads(int threads) { omp_set_num_threads(threads); }

// Milliseconds that each of `runs` calls of `fn` takes.
template <class Fn>
std::vector<double> time_ms(int runs, Fn&& fn) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return ms;
}

}  // namespace zenith::bench
