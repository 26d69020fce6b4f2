// Sums over the replicas of a data-parallel run, for the ops whose result depends on the whole
// global batch rather than on this replica's part: batch norm with attribute sync = 1
// (`zenith train --sync-bn`). A distributed trainer installs the summing function (an
// allreduce); with none installed a process is its own only replica.
#pragma once

#include <cstddef>
#include <functional>

namespace zenith::devices {

// Adds `count` doubles at `data` elementwise over every replica, in place. Every replica calls
// it the same number of times in the same order.
using ReplicaSum = std::function<void(double* data, size_t count)>;

// Installs `sum` for the whole process (an empty function uninstalls it).
void set_replica_sum(ReplicaSum sum);

// `data` summed over the replicas, in place, by the installed function; unchanged without one.
void sum_over_replicas(double* data, size_t count);

}  // namespace zenith::devices
