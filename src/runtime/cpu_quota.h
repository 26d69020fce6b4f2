// How many cores this process may really use: its CPU affinity, capped by the cgroup's CPU
// quota when there is one (a container's CPU limit). Sizing threads by the host's cores in a
// container limited to fewer gets the whole pod throttled by CFS, and latency with it.
#pragma once

#include <filesystem>
#include <optional>

namespace zenith::runtime {

// The quota in cores (quota / period, e.g. 1.5) under `cgroup_root`: cgroup v2's cpu.max
// ("max 100000" is none, "150000 100000" is 1.5), else v1's cpu/cpu.cfs_quota_us and
// cpu/cpu.cfs_period_us (-1: none). nullopt when there is no quota or nothing to read.
std::optional<double> cgroup_cpu_quota(const std::filesystem::path& cgroup_root);

// The cores to size thread pools by: the affinity's count, at most the quota rounded up, at
// least 1. `cgroup_root`: /sys/fs/cgroup unless ZENITH_CGROUP_ROOT names another (tests).
int usable_cores();

}  // namespace zenith::runtime
