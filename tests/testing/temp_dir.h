// TempDir: a fresh folder for a test's files, removed with everything in it at the end.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace zenith::testing {

class TempDir {
 public:
  // <system temp>/zenith_<what>_<running test's name>_<pid>, emptied if a crashed run left it.
  // The pid keeps two test processes (two build trees, or ctest's parallel runs) apart.
  explicit TempDir(const std::string& what) {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '_');  // parameterized tests: "Name/param"
    path_ = std::filesystem::temp_directory_path() / ("zenith_" + what + "_" + test + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace zenith::testing
