// The cgroup CPU quota, read from fixture folders laid out as cgroup v2 and v1 mount them, and
// the default thread counts that follow it.
#include "runtime/cpu_quota.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "runtime/thread_governor.h"
#include "zenith/zenith.h"

namespace zenith::runtime {
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
  EXPECT_EQ(usable_cores(), available_cores());  // capped by the affinity
  const fs::path one_and_a_half = fixture("one_and_a_half", {{"cpu.max", "150000 100000"}});
  setenv("ZENITH_CGROUP_ROOT", one_and_a_half.c_str(), 1);
  EXPECT_EQ(usable_cores(), std::min(2, available_cores()));
  unsetenv("ZENITH_CGROUP_ROOT");
}

// A model compiled without a thread count takes the quota's cores, not the host's.
TEST(CpuQuota, CompiledModelsDefaultToTheQuota) {
  const fs::path half = fixture("half_model", {{"cpu.max", "50000 100000"}});
  setenv("ZENITH_CGROUP_ROOT", half.c_str(), 1);
  const CompiledModel compiled =
      Core().compile_model(fs::path(ZENITH_SOURCE_DIR) / "tests/tools/data/relu.onnx", "CPU");
  unsetenv("ZENITH_CGROUP_ROOT");
  EXPECT_EQ(compiled.config().num_threads, 1);
}

}  // namespace
}  // namespace zenith::runtime
