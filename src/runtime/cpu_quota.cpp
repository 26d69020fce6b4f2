// cgroup v2 first (unified hierarchy, what current distributions and Kubernetes use), then v1.
#include "runtime/cpu_quota.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "runtime/thread_governor.h"

namespace zenith::runtime {

std::optional<double> cgroup_cpu_quota(const std::filesystem::path& cgroup_root) {
  if (std::ifstream v2(cgroup_root / "cpu.max"); v2) {
    std::string quota;
    double period = 0;
    if (!(v2 >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
    const double q = std::strtod(quota.c_str(), nullptr);
    return q > 0 ? std::optional(q / period) : std::nullopt;
  }
  std::ifstream quota_file(cgroup_root / "cpu" / "cpu.cfs_quota_us");
  std::ifstream period_file(cgroup_root / "cpu" / "cpu.cfs_period_us");
  double quota = -1, period = 0;
  if (!(quota_file >> quota) || !(period_file >> period) || quota <= 0 || period <= 0)
    return std::nullopt;
  return quota / period;
}

int usable_cores() {
  const char* root = std::getenv("ZENITH_CGROUP_ROOT");
  const int cores = available_cores();
  const std::optional<double> quota = cgroup_cpu_quota(root ? root : "/sys/fs/cgroup");
  if (!quota) return cores;
  return std::clamp(static_cast<int>(std::ceil(*quota - 1e-9)), 1, cores);
}

}  // namespace zenith::runtime
