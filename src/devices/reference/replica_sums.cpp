#include "devices/reference/replica_sums.h"

#include <mutex>
#include <utility>

namespace zenith::devices {
namespace {

std::mutex& mutex() {
  static std::mutex m;
  return m;
}

ReplicaSum& installed() {
  static ReplicaSum sum;
  return sum;
}

}  // namespace

void set_replica_sum(ReplicaSum sum) {
  const std::lock_guard lock(mutex());
  installed() = std::move(sum);
}

void sum_over_replicas(double* data, size_t count) {
  ReplicaSum sum;
  {
    const std::lock_guard lock(mutex());
    sum = installed();
  }
  if (sum) sum(data, count);
}

}  // namespace zenith::devices
