// How the CPU device's own loops share their work among the run's OpenMP threads.
//
// libgomp enters a parallel region even when the region's `if` clause is false or the team has
// one thread, and leaving any region costs a futex system call (0.3 us on these machines): a
// DLRM-like recommender at batch 1, made of small gathers and sums, paid 30 of them per 60 us
// run. So a loop too small to split, or one run with one thread, does not enter OpenMP at all.
#pragma once

#include <omp.h>

#include <cstdint>

namespace zenith::cpu {

// Below this many elements a loop runs on the calling thread: waking the team costs more.
inline constexpr int64_t kParallelElements = 1 << 15;

// Calls fn(begin, end) on disjoint ranges that cover [0, n), in order within each range: one
// contiguous range per thread when `worth_splitting` and the run may use several threads, else
// fn(0, n) on the calling thread.
template <class Fn>
void parallel_ranges(int64_t n, bool worth_splitting, const Fn& fn) {
  if (n <= 0) return;
  if (!worth_splitting || n == 1 || omp_get_max_threads() == 1) {
    fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t begin = n * t / threads, end = n * (t + 1) / threads;
    if (begin < end) fn(begin, end);
  }
}

// fn(i) for every i in [0, n), split as parallel_ranges splits it.
template <class Fn>
void parallel_for(int64_t n, bool worth_splitting, const Fn& fn) {
  parallel_ranges(n, worth_splitting, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) fn(i);
  });
}

}  // namespace zenith::cpu
