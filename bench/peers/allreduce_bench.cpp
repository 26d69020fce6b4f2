// Allreduce latency and bandwidth between the ranks of this machine (shared memory), the
// figures the data-parallel cost model (docs/DISTRIBUTED.md) starts from, and the same bytes
// as GradientReducer moves them (fused into buckets on its communication thread).
//
//   mpirun -np N build/zenith-allreduce-bench [--max-mb 64] [--bucket-mb 4]
//
// Per size (4 KiB to --max-mb, x4): the median over repetitions of one in-place float
// MPI_Allreduce ("MPI"), with its bus bandwidth 2 (N - 1) / N x bytes / time (NCCL's convention:
// what each rank's link carries).
// Then "fused": 64 gradients of random sizes making up each total, handed to a GradientReducer
// with --bucket-mb buckets, timed from the first hand-in to wait()'s return.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "distributed/communicator.h"
#include "distributed/gradient_reducer.h"

namespace {

using zenith::distributed::Communicator;
using Clock = std::chrono::steady_clock;

// Median seconds of `run` over enough repetitions for about 0.3 s (at least 5), after 2 warm-ups;
// rank 0's count decides, so that every rank repeats alike.
template <typename Run>
double median_seconds(Communicator& comm, const Run& run) {
  for (int i = 0; i < 2; ++i) run();
  const auto start = Clock::now();
  run();
  double once = std::chrono::duration<double>(Clock::now() - start).count();
  comm.broadcast(&once, sizeof once);
  const int reps = std::clamp(static_cast<int>(0.3 / std::max(once, 1e-6)), 5, 2000);
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    // MPI's own blocking allreduce lines the ranks up to the microsecond (Communicator's
    // barrier sleeps between polls, so ranks would leave it up to a sleep apart).
    double sync = 0;
    comm.allreduce_sum(&sync, 1);
    const auto t0 = Clock::now();
    run();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
  double median = times[static_cast<size_t>(reps / 2)];
  comm.allreduce_sum(&median, 1);  // the ranks' mean of their medians
  return median / comm.size();
}

double bus_gbps(const Communicator& comm, double bytes, double seconds) {
  const double n = comm.size();
  return 2 * (n - 1) / n * bytes / seconds / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  double max_mb = 64, bucket_mb = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--max-mb") == 0) max_mb = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--bucket-mb") == 0) bucket_mb = std::atof(argv[i + 1]);
  }
  Communicator& comm = Communicator::world();
  const bool root = comm.rank() == 0;
  if (root)
    fmt::print(
        "{} ranks; bus bandwidth = 2 (N-1)/N x bytes / time\n{:>10} {:>10} {:>9} {:>10} {:>9} "
        "{:>7}\n",
        comm.size(), "bytes", "MPI us", "GB/s", "fused us", "GB/s", "fused/MPI");
  std::mt19937 rng(0);
  for (double bytes = 4096; bytes <= max_mb * (1 << 20); bytes *= 4) {
    const auto count = static_cast<size_t>(bytes / sizeof(float));
    std::vector<float> data(count, 1.0f);
    const double plain = median_seconds(comm, [&] { comm.allreduce_sum(data.data(), count); });
    // 64 gradients of random sizes summing to `count` floats, made last layer first.
    std::vector<size_t> counts(64);
    std::vector<double> weights(64);
    for (double& w : weights) w = std::uniform_real_distribution<double>(0.1, 1.0)(rng);
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    size_t used = 0;
    for (size_t k = 0; k < 63; ++k)
      used += counts[k] = static_cast<size_t>(count * weights[k] / total);
    counts[63] = count - std::min(used, count);
    std::vector<size_t> order(64);
    std::iota(order.rbegin(), order.rend(), size_t{0});
    zenith::distributed::GradientReducer reducer(
        comm, counts, order, static_cast<size_t>(bucket_mb * (1 << 20)), std::chrono::seconds(60));
    std::vector<size_t> offset(64, 0);
    for (size_t k = 1; k < 64; ++k) offset[k] = offset[k - 1] + counts[k - 1];
    const double fused = median_seconds(comm, [&] {
      for (size_t k : order) reducer.ready(k, data.data() + offset[k]);
      reducer.wait();
      reducer.take_intervals();
    });
    if (root)
      fmt::print("{:>10} {:>10.1f} {:>9.2f} {:>10.1f} {:>9.2f} {:>6.0f}%\n",
                 static_cast<size_t>(bytes), plain * 1e6, bus_gbps(comm, bytes, plain), fused * 1e6,
                 bus_gbps(comm, bytes, fused), 100 * plain / fused);
  }
  return 0;
}
