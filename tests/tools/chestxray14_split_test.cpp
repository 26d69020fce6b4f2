// ChestX-ray14's patient-wise split (chestxray14:DIR:PART): no patient in two parts, 70 / 10 /
// 20 of the patients, and the same parts for the same seed only.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "testing/expect_error.h"
#include "testing/image_files.h"
#include "testing/temp_dir.h"
#include "tools/dataset.h"
#include "tools/group_split.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;
using testing::expect_error;

constexpr int kPatients = 60;

// Patient p has p % 3 + 1 images, 1x1 pixels of value 4p (so a sample's image tells its
// patient, even through JPEG's rounding), the first finding Atelectasis (0) for even p,
// Cardiomegaly (1) for odd.
class ChestXray14Split : public ::testing::Test {
 protected:
  ChestXray14Split() : dir_("cxr_split") {}
  void SetUp() override {
    fs::create_directory(dir_ / "images");
    std::ofstream csv(dir_ / "Data_Entry_2017.csv");
    csv << "Image Index,Finding Labels,Follow-up #,Patient ID\n";
    for (int p = 0; p < kPatients; ++p)
      for (int k = 0; k <= p % 3; ++k) {
        const std::string file = fmt::format("{:08}_{:03}.png", p + 1, k);
        const auto v = static_cast<uint8_t>(4 * p);
        // Some in the folder itself, some in images/, as NIH's archives unpack.
        const fs::path where = k == 1 ? dir_ / "images" / file : dir_ / file;
        if (k == 2)
          testing::write_jpeg(where, 1, 1, {v, v, v});
        else
          testing::write_png(where, 1, 1, {v, v, v});
        csv << file << "," << (p % 2 ? "Cardiomegaly" : "Atelectasis|Mass") << "," << k << ","
            << p + 1 << "\n";
      }
  }

  std::unique_ptr<Dataset> open(const std::string& part, uint64_t seed) {
    return open_dataset("chestxray14:" + dir_.path().string() + part, 0, seed);
  }

  // Each sample's patient, in the part's order, checked against its labels.
  static std::vector<int> patients(const Dataset& part) {
    std::vector<int> out;
    for (size_t i = 0; i < part.size(); ++i) {
      const int p = (part.image(i).rgb[0] + 2) / 4;
      EXPECT_EQ(part.labels(i), p % 2 ? std::vector<int>{1} : (std::vector<int>{0, 4}));
      out.push_back(p);
    }
    return out;
  }

  testing::TempDir dir_;
};

TEST_F(ChestXray14Split, KeepsEachPatientInOnePart) {
  std::vector<std::set<int>> parts;
  size_t samples = 0;
  for (const char* part : {":train", ":val", ":test"}) {
    const auto dataset = open(part, 7);
    EXPECT_TRUE(dataset->multi_label());
    const std::vector<int> of = patients(*dataset);
    samples += of.size();
    parts.emplace_back(of.begin(), of.end());
    // Every image of a patient in the part is there.
    for (int p : parts.back()) EXPECT_EQ(std::count(of.begin(), of.end(), p), p % 3 + 1) << p;
  }
  EXPECT_EQ(parts[0].size(), 42u);  // 70% of 60 patients
  EXPECT_EQ(parts[1].size(), 6u);   // 10%
  EXPECT_EQ(parts[2].size(), 12u);  // 20%
  std::set<int> all;
  for (const auto& part : parts) all.insert(part.begin(), part.end());
  EXPECT_EQ(all.size(), size_t{kPatients});  // so no patient is in two parts
  EXPECT_EQ(samples, 120u);
}

TEST_F(ChestXray14Split, DrawsTheSplitFromTheSeed) {
  const std::vector<int> train = patients(*open(":train", 0));
  EXPECT_EQ(patients(*open(":train", 0)), train);
  EXPECT_EQ(patients(*open("", 0)), train);  // train when no part is named
  const std::vector<int> other = patients(*open(":train", 1));
  EXPECT_NE(std::set<int>(other.begin(), other.end()), std::set<int>(train.begin(), train.end()));
  EXPECT_EQ(open(":test", 0)->name(),
            "ChestX-ray14 " + dir_.path().string() + " (test split, seed 0)");
  EXPECT_EQ(open_dataset("chestxray14:" + dir_.path().string() + ":val", 2, 0)->size(), 2u);
}

// Training on a part validates on the val part by default; Fashion-MNIST's training set on its
// test set; other data on nothing unless told.
TEST_F(ChestXray14Split, ValidatesOnTheValPartByDefault) {
  const std::string dir = dir_.path().string();
  for (const char* part : {"", ":train", ":test"})
    EXPECT_EQ(validation_spec("chestxray14:" + dir + part), "chestxray14:" + dir + ":val");
  EXPECT_EQ(open_dataset(validation_spec("chestxray14:" + dir), 0, 0)->size(),
            open(":val", 0)->size());
  EXPECT_EQ(validation_spec("fashion-mnist-train"), "fashion-mnist");
  EXPECT_EQ(validation_spec("npy:" + dir), "");
}

TEST_F(ChestXray14Split, RefusesUnknownPartsAndMissingPatients) {
  expect_error([&] { open(":holdout", 0); }, Error::Kind::InvalidArgument,
               "unknown part 'holdout'; expected train, val or test");
  std::ofstream(dir_ / "Data_Entry_2017.csv") << "Image Index,Finding Labels\n00000001_000.png,"
                                                 "Mass\n";
  expect_error([&] { open(":val", 0); }, Error::Kind::InvalidArgument,
               "Data_Entry_2017.csv:1: the header has no \"Patient ID\" column");
}

TEST(GroupSplit, CutsWholeGroupsAtTheFractions) {
  std::vector<std::string> groups;
  for (int g = 0; g < 1000; ++g)
    for (int k = 0; k < 1 + g % 4; ++k) groups.push_back("patient" + std::to_string(g));
  const std::vector<size_t> part = group_split(groups, {0.7, 0.1, 0.2}, 3);
  ASSERT_EQ(part.size(), groups.size());
  std::vector<std::set<std::string>> members(3);
  for (size_t i = 0; i < part.size(); ++i) members.at(part[i]).insert(groups[i]);
  EXPECT_EQ(members[0].size(), 700u);
  EXPECT_EQ(members[1].size(), 100u);
  EXPECT_EQ(members[2].size(), 200u);
  for (size_t i = 1; i < part.size(); ++i)
    if (groups[i] == groups[i - 1]) {
      EXPECT_EQ(part[i], part[i - 1]);
    }
  EXPECT_EQ(group_split(groups, {0.7, 0.1, 0.2}, 3), part);
  EXPECT_NE(group_split(groups, {0.7, 0.1, 0.2}, 4), part);
}

}  // namespace
}  // namespace zenith::tools
