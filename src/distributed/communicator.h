// The ranks of a data-parallel run and the collectives among them, on Open MPI (DESIGN.md:
// Open MPI from Debian is the distributed engine). A process that mpirun did not start is a world
// of one rank, with every collective a no-op, so single-process training takes the same path.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace zenith::distributed {

class Communicator {
 public:
  // The world this process was launched into: MPI_COMM_WORLD when mpirun started it (its
  // environment says so; MPI is initialized on this first call and finalized at exit), else one
  // rank. Throws Unavailable if MPI does not start.
  static Communicator& world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  // True when started by mpirun, even as a world of one (`mpirun -np 1`).
  bool launched() const { return launched_; }

  // Collectives: every rank calls the same ones in the same order, one thread at a time.
  // Errors (a peer gone, in the cases MPI reports rather than hangs) throw Unavailable naming
  // the collective.
  void broadcast(void* data, size_t bytes, int root = 0);
  void allreduce_sum(float* data, size_t count);
  void allreduce_sum(double* data, size_t count);
  // Every rank's `mine`, in rank order, at `root` (empty elsewhere).
  std::vector<std::string> gather(const std::string& mine, int root = 0);
  // Waits for every rank, sleeping between polls (the ranks waiting for rank 0's validation
  // leave it the cores).
  void barrier();
  // Ends every rank of the run with `code` (MPI_Abort); exits when not launched by mpirun.
  [[noreturn]] void abort(int code);

  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

 private:
  Communicator();
  ~Communicator();

  int rank_ = 0, size_ = 1;
  bool launched_ = false;
};

// True if this process was started by mpirun (Open MPI's or PMIx's environment variables).
bool launched_by_mpirun();

}  // namespace zenith::distributed
