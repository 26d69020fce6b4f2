// Communicator on MPI's C API. MPI is initialized only in a process mpirun started, with
// MPI_THREAD_SERIALIZED: collectives may come from the communication thread and, at the start
// and end of a run, from the main thread, never at once.
#include "distributed/communicator.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "ir/errors.h"

namespace zenith::distributed {
namespace {

void check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw make_error(Error::Kind::Unavailable, "{} failed: {} (a peer rank may have ended)", what,
                   std::string(text, static_cast<size_t>(length)));
}

int count_of(size_t count, const char* what) {
  if (count > static_cast<size_t>(INT32_MAX))
    throw_invalid_argument("{} of {} elements: MPI counts stop at 2^31 - 1", what, count);
  return static_cast<int>(count);
}

}  // namespace

bool launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

Communicator& Communicator::world() {
  static Communicator world;
  return world;
}

Communicator::Communicator() {
  if (!launched_by_mpirun()) return;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_SERIALIZED)
    throw make_error(Error::Kind::Unavailable,
                     "this MPI gives thread level {}; data-parallel training needs "
                     "MPI_THREAD_SERIALIZED",
                     provided);
  // Errors come back as codes, to be thrown with their text, rather than abort at once.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  launched_ = true;
}

Communicator::~Communicator() {
  if (!launched_) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

void Communicator::broadcast(void* data, size_t bytes, int root) {
  if (!launched_ || bytes == 0) return;
  check(MPI_Bcast(data, count_of(bytes, "a broadcast"), MPI_BYTE, root, MPI_COMM_WORLD),
        "MPI_Bcast");
}

void Communicator::allreduce_sum(float* data, size_t count) {
  if (!launched_ || count == 0) return;
  check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(count, "an allreduce"), MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD),
        "MPI_Allreduce");
}

void Communicator::allreduce_sum(double* data, size_t count) {
  if (!launched_ || count == 0) return;
  check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(count, "an allreduce"), MPI_DOUBLE, MPI_SUM,
                      MPI_COMM_WORLD),
        "MPI_Allreduce");
}

std::vector<std::string> Communicator::gather(const std::string& mine, int root) {
  if (!launched_) return {mine};
  int length = count_of(mine.size(), "a gather");
  std::vector<int> lengths(static_cast<size_t>(size_));
  check(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, root, MPI_COMM_WORLD),
        "MPI_Gather");
  std::vector<int> offsets(static_cast<size_t>(size_), 0);
  std::string all;
  if (rank_ == root) {
    size_t total = 0;
    for (size_t r = 0; r < lengths.size(); ++r) {
      offsets[r] = static_cast<int>(total);
      total += static_cast<size_t>(lengths[r]);
    }
    all.resize(total);
    count_of(total, "a gather");
  }
  check(MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
                    MPI_CHAR, root, MPI_COMM_WORLD),
        "MPI_Gatherv");
  if (rank_ != root) return {};
  std::vector<std::string> out;
  for (size_t r = 0; r < lengths.size(); ++r)
    out.push_back(all.substr(static_cast<size_t>(offsets[r]), static_cast<size_t>(lengths[r])));
  return out;
}

void Communicator::barrier() {
  if (!launched_) return;
  MPI_Request r = MPI_REQUEST_NULL;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &r), "MPI_Ibarrier");
  // Sleeps between polls (a non-blocking collective advances only while polled), so that ranks
  // waiting for rank 0's validation leave the cores to it.
  auto pause = std::chrono::microseconds(10);
  for (int done = 0;;) {
    check(MPI_Test(&r, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

void Communicator::abort(int code) {
  if (launched_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

}  // namespace zenith::distributed
