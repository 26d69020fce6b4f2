// The model repository as a user lays it out: config.json's keys and errors, the version
// policies, which folders are models and versions, and the stamp that tells a poll what changed.
#include "serve/model_repository.h"

#include <gtest/gtest.h>

#include <fstream>

#include "zenith/error.h"

namespace zenith::serve {
namespace {

namespace fs = std::filesystem;

class Repository : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("zenith_repo_" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const fs::path& relative, const std::string& text) {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << text;
  }
  std::string config_error(const std::string& json) {
    write("m/config.json", json);
    try {
      read_model_config(root_ / "m/config.json");
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  fs::path root_;
};

TEST_F(Repository, ConfigReadsEveryKeyAndDefaultsWithoutAFile) {
  const ModelConfig defaults = read_model_config(root_ / "absent.json");
  EXPECT_EQ(defaults.device, "CPU");
  EXPECT_EQ(defaults.max_batch_size, 0);
  EXPECT_EQ(defaults.version_policy.kind, VersionPolicy::Kind::latest);
  EXPECT_EQ(defaults.version_policy.latest, 1);
  write("m/config.json",
        R"({"device": "REF", "precision": "bf16", "max_batch_size": 8, "max_queue_delay_us": 500,
            "instances": 2, "version_policy": {"specific": [1, 3]}})");
  const ModelConfig c = read_model_config(root_ / "m/config.json");
  EXPECT_EQ(c.device, "REF");
  EXPECT_EQ(c.precision, "bf16");
  EXPECT_EQ(c.max_batch_size, 8);
  EXPECT_EQ(c.max_queue_delay_us, 500);
  EXPECT_EQ(c.instances, 2);
  EXPECT_EQ(c.version_policy.kind, VersionPolicy::Kind::specific);
  EXPECT_EQ(c.version_policy.versions, (std::vector<int64_t>{1, 3}));
}

TEST_F(Repository, ConfigErrorsNameTheFileAndTheKey) {
  EXPECT_NE(config_error(R"({"max_batch_sise": 8})").find("unknown key \"max_batch_sise\""),
            std::string::npos);
  EXPECT_NE(config_error(R"({"max_batch_size": -1})").find("\"max_batch_size\" must be"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"device": 3})").find("\"device\" must be a string"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"version_policy": {"latest": 0}})").find("at least 1"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"version_policy": "newest"})").find("version_policy must be"),
            std::string::npos);
  const std::string truncated = config_error(R"({"device": )");
  EXPECT_NE(truncated.find("not a JSON object"), std::string::npos);
  EXPECT_NE(truncated.find("config.json"), std::string::npos);
}

TEST_F(Repository, VersionPoliciesSelectFromThePresentVersions) {
  VersionPolicy latest;
  latest.latest = 2;
  EXPECT_EQ(latest.select({3, 1, 7, 2}), (std::vector<int64_t>{3, 7}));
  VersionPolicy all;
  all.kind = VersionPolicy::Kind::all;
  EXPECT_EQ(all.select({3, 1}), (std::vector<int64_t>{1, 3}));
  VersionPolicy specific;
  specific.kind = VersionPolicy::Kind::specific;
  specific.versions = {1, 9};
  EXPECT_EQ(specific.select({3, 1, 2}), (std::vector<int64_t>{1}));
  // Triton's spellings.
  write("m/config.json", R"({"version_policy": {"latest": {"num_versions": 3}}})");
  EXPECT_EQ(read_model_config(root_ / "m/config.json").version_policy.latest, 3);
  write("m/config.json", R"({"version_policy": {"specific": {"versions": [4]}}})");
  EXPECT_EQ(read_model_config(root_ / "m/config.json").version_policy.versions,
            std::vector<int64_t>{4});
}

TEST_F(Repository, ScanFindsModelsAndVersionsAndReportsBrokenOnes) {
  write("a/1/model.onnx", "x");
  write("a/2/model.zir", "x");
  write("a/notes/model.onnx", "x");  // not a version number
  write("a/0/model.onnx", "x");      // versions start at 1
  write("b/config.json", R"({"version_policy": "all"})");
  write("b/1/model.onnx", "x");
  write("b/5/model.onnx", "x");
  write("c/1/readme.txt", "x");  // no model file
  write("d/config.json", "{oops");
  write(".hidden/1/model.onnx", "x");
  const std::vector<RepositoryModel> models = scan_repository(root_);
  ASSERT_EQ(models.size(), 4u);
  EXPECT_EQ(models[0].name, "a");
  ASSERT_EQ(models[0].versions.size(), 1u);  // latest 1 by default
  EXPECT_EQ(models[0].versions.at(2).filename(), "model.zir");
  EXPECT_EQ(models[1].versions.size(), 2u);
  EXPECT_TRUE(models[1].error.empty());
  EXPECT_NE(models[2].error.find("no version folder"), std::string::npos) << models[2].error;
  EXPECT_NE(models[3].error.find("config.json"), std::string::npos) << models[3].error;
  EXPECT_THROW(scan_repository(root_ / "absent"), Error);
}

TEST_F(Repository, StampChangesWhenAModelFileIsReplaced) {
  write("a/1/model.onnx", "x");
  const std::string before = scan_model(root_ / "a", "a").stamp;
  EXPECT_EQ(scan_model(root_ / "a", "a").stamp, before);
  write("a/1/model.onnx", "longer");
  EXPECT_NE(scan_model(root_ / "a", "a").stamp, before);
  const std::string replaced = scan_model(root_ / "a", "a").stamp;
  write("a/2/model.onnx", "x");  // a new version
  EXPECT_NE(scan_model(root_ / "a", "a").stamp, replaced);
}

}  // namespace
}  // namespace zenith::serve
