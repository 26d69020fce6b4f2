// What `zenith train` does to run data-parallel: `--np N` starts itself under mpirun (as
// horovodrun does), each rank learns where it stands, and the run ends with where its time went.
#pragma once

#include <string>

#include "distributed/communicator.h"
#include "distributed/timeline.h"

namespace zenith::tools {

// Replaces this process with `mpirun -np N` running the same command line without --np:
// Open MPI's permission to run as root passed when root, each rank bound to an equal share of
// the cores where there are enough, else oversubscribed. Returns only by throwing (InvalidArgument
// naming what failed).
[[noreturn]] void relaunch_under_mpirun(int ranks);

// A rank's threads: `requested` if positive, else the CPUs its binding leaves it (mpirun's
// --bind-to core: one each); unbound, the node's CPUs shared among the ranks on it.
int rank_threads(int requested);

// "rank R of N (pid P, T threads)" for the rank's first line.
std::string describe_rank(const distributed::Communicator& comm, int threads);

// The run's compute, communication and their overlap, averaged over the ranks (a collective:
// every rank calls it), as one line for rank 0 to print.
std::string summarize(distributed::Communicator& comm, const distributed::Timeline& timeline);

}  // namespace zenith::tools
