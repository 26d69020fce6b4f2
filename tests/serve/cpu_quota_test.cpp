// The cgroup CPU quota, read from fixture folders laid out as cgroup v2 and v1 mount them.
#include "serve/cpu_quota.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "runtime/thread_governor.h"

namespace zenith::serve {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name,
                 const std::vector<std::pair<std::string, std::string>>& files) {
  const fs::path root = fs::temp_directory_path() / ("zenith_cgroup_" + name);
  fs::remove_all(root);
  for (const auto& [path, text] : files) {
    fs::create_directories((root / path).parent_path());
    std::ofstream(root / path) << text;
  }
  return root;
}

TEST(CpuQuota, ReadsCgroupV2AndV1) {
  EXPECT_EQ(cgroup_cpu_quota(fixture("v2", {{"cpu.max", "150000 100000\n"}})), 1.5);
  EXPECT_EQ(cgroup_cpu_quota(fixture("v2max", {{"cpu.max", "max 100000\n"}})), std::nullopt);
  EXPECT_EQ(cgroup_cpu_quota(fixture(
                "v1", {{"cpu/cpu.cfs_quota_us", "50000"}, {"cpu/cpu.cfs_period_us", "100000"}})),
            0.5);
  EXPECT_EQ(cgroup_cpu_quota(fixture(
                "v1none", {{"cpu/cpu.cfs_quota_us", "-1"}, {"cpu/cpu.cfs_period_us", "100000"}})),
            std::nullopt);
  EXPECT_EQ(cgroup_cpu_quota(fixture("empty", {})), std::nullopt);
}

TEST(CpuQuota, UsableCoresFollowTheQuotaRoundedUp) {
  const fs::path half = fixture("half", {{"cpu.max", "50000 100000"}});
  setenv("ZENITH_CGROUP_ROOT", half.c_str(), 1);
  EXPECT_EQ(usable_cores(), 1);
  const fs::path huge = fixture("huge", {{"cpu.max", "6400000 100000"}});  // 64 cores
  setenv("ZENITH_CGROUP_ROOT", huge.c_str(), 1);
  EXPECT_EQ(usable_cores(), runtime::available_cores());  // capped by the affinity
  const fs::path one_and_a_half = fixture("one_and_a_half", {{"cpu.max", "150000 100000"}});
  setenv("ZENITH_CGROUP_ROOT", one_and_a_half.c_str(), 1);
  EXPECT_EQ(usable_cores(), std::min(2, runtime::available_cores()));
  unsetenv("ZENITH_CGROUP_ROOT");
}

}  // namespace
}  // namespace zenith::serve
