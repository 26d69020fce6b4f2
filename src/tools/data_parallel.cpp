// relaunch_under_mpirun reads its own command line from /proc/self/cmdline, so that every
// option, whatever its spelling, reaches the ranks unchanged.
#include "tools/data_parallel.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>
#include <vector>

#include "ir/errors.h"
#include "runtime/thread_governor.h"

namespace zenith::tools {
namespace {

std::vector<std::string> own_arguments() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t at = 0; at < all.size();) {
    const size_t end = all.find('\0', at);
    args.push_back(all.substr(at, end - at));
    at = end == std::string::npos ? all.size() : end + 1;
  }
  return args;
}

}  // namespace

void relaunch_under_mpirun(int ranks) {
  std::vector<std::string> args = {"mpirun", "-np", std::to_string(ranks)};
  if (geteuid() == 0) args.push_back("--allow-run-as-root");
  // Each rank bound to an equal share of the cores (one rank on two cores gets both, as plain
  // `zenith train` has); more ranks than cores share them all, unbound.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (static_cast<unsigned>(ranks) > cores)
    args.insert(args.end(), {"--oversubscribe", "--bind-to", "none"});
  else
    args.insert(args.end(),
                {"--map-by", fmt::format("slot:PE={}", cores / static_cast<unsigned>(ranks)),
                 "--bind-to", "core"});
  // This binary by its real path: mpirun starts each rank from it.
  std::vector<char> exe(4096);
  const ssize_t length = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  if (length <= 0)
    throw_invalid_argument("--np {}: cannot tell this program's path ({})", ranks,
                           std::strerror(errno));
  args.emplace_back(exe.data(), static_cast<size_t>(length));
  const std::vector<std::string> own = own_arguments();
  for (size_t i = 1; i < own.size(); ++i) {
    if (own[i] == "--np") {
      ++i;  // and its value
      continue;
    }
    if (own[i].rfind("--np=", 0) != 0) args.push_back(own[i]);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout << std::flush;
  execvp("mpirun", argv.data());
  throw_invalid_argument("--np {}: could not start mpirun ({}); install Open MPI (openmpi-bin)",
                         ranks, std::strerror(errno));
}

int rank_threads(int requested) {
  if (requested > 0) return requested;
  int cpus = runtime::available_cores();
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int local_ranks = local ? std::max(std::atoi(local), 1) : 1;
  if (static_cast<unsigned>(cpus) >= std::thread::hardware_concurrency())
    cpus /= local_ranks;  // not bound: every rank sees all the node's CPUs
  return std::max(cpus, 1);
}

std::string describe_rank(const distributed::Communicator& comm, int threads) {
  return fmt::format("rank {} of {} (pid {}, {} thread{})", comm.rank(), comm.size(), getpid(),
                     threads, threads == 1 ? "" : "s");
}

std::string summarize(distributed::Communicator& comm, const distributed::Timeline& timeline) {
  const distributed::Timeline::Totals t = timeline.totals();
  double sums[3] = {t.compute, t.communication, t.exposed};
  comm.allreduce_sum(sums, 3);
  const double n = comm.size();
  const double compute = sums[0] / n, communication = sums[1] / n, exposed = sums[2] / n;
  // Communication the compute lane neither waited for nor ran itself ran while it computed.
  const double hidden = std::max(communication - exposed, 0.0);
  return fmt::format(
      "data-parallel over {} ranks, per rank: compute {:.2f} s, communication {:.2f} s, of which "
      "{:.2f} s overlapped with compute ({:.0f}%); the compute lane spent {:.2f} s waiting for or "
      "in collectives",
      comm.size(), compute, communication, hidden,
      communication > 0 ? 100 * hidden / communication : 0.0, exposed);
}

}  // namespace zenith::tools
