#include <gtest/gtest.h>

#include <fstream>

#include "testing/expect_error.h"
#include "testing/image_files.h"
#include "testing/temp_dir.h"
#include "tools/cli_util.h"
#include "tools/csv.h"
#include "tools/dataset.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;
using testing::expect_error;

// A 2x2 RGB PNG whose every pixel is (r, g, b).
void write_png(const fs::path& path, uint8_t r, uint8_t g, uint8_t b) {
  testing::write_png(path, 2, 2, {r, g, b, r, g, b, r, g, b, r, g, b});
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

constexpr const char* kHeader = "Image Index,Finding Labels,Follow-up #,Patient ID\n";

// A dataset folder in a temp dir, whose index file starts with `preamble`.
class DatasetFolder : public ::testing::Test {
 protected:
  DatasetFolder(const char* what, const char* index, std::string preamble)
      : dir_(what), index_((dir_ / index).string()), preamble_(std::move(preamble)) {}

  std::unique_ptr<Dataset> open(size_t limit = 0) {
    return open_dataset(dir_.path().string(), limit);
  }
  void write_index(const std::string& lines) { write_text(index_, preamble_ + lines); }
  void expect_open_error(const std::string& lines, const std::string& text) {
    write_index(lines);
    expect_error([&] { open(); }, Error::Kind::InvalidArgument, text);
  }

  testing::TempDir dir_;
  std::string index_;
  std::string preamble_;
};

class DatasetChestXray14 : public DatasetFolder {
 protected:
  DatasetChestXray14() : DatasetFolder("chestxray", "Data_Entry_2017.csv", kHeader) {}
  void SetUp() override {
    write_png(dir_ / "a.png", 200, 100, 50);
    fs::create_directory(dir_ / "images");
    write_png(dir_ / "images" / "b.png", 90, 90, 90);
  }
  const std::string& csv_ = index_;
};

TEST_F(DatasetChestXray14, ReadsFindingsInLabelFileOrder) {
  write_index(
      "a.png,Hernia|Cardiomegaly|Effusion,0,1\r\n"
      "\n"
      "b.png,No Finding,0,2\n"
      "\"b.png\",\"Mass\",\"1,2\",3\n");
  const auto dataset = open();
  ASSERT_EQ(dataset->size(), 3u);
  EXPECT_TRUE(dataset->multi_label());
  EXPECT_EQ(dataset->classes(), read_labels(ZENITH_SOURCE_DIR "/share/labels/chestxray14.txt"));
  EXPECT_EQ(dataset->labels(0), (std::vector<int>{1, 2, 13}));
  EXPECT_EQ(dataset->labels(1), std::vector<int>{});
  EXPECT_EQ(dataset->labels(2), std::vector<int>{4});
  EXPECT_EQ(open(1)->size(), 1u);
}

TEST_F(DatasetChestXray14, LoadsNormalisedRgbAndLuma) {
  write_index("a.png,Mass,0,1\nb.png,Mass,0,1\n");
  const auto dataset = open();
  const Tensor rgb = dataset->load(0, {3, 2, 2, {100, 50, 0}, {2, 10, 5}});
  EXPECT_EQ(rgb.shape(), (Shape{1, 3, 2, 2}));
  EXPECT_EQ(rgb.data<float>()[0], 50.0f);  // (200 - 100) / 2
  EXPECT_EQ(rgb.data<float>()[4], 5.0f);   // (100 - 50) / 10
  EXPECT_EQ(rgb.data<float>()[8], 10.0f);  // (50 - 0) / 5
  // Gray stays itself; colour becomes PIL's luma: (200*299 + 100*587 + 50*114) / 1000 = 124.
  EXPECT_EQ(dataset->load(1, {1, 2, 2, {0, 0, 0}, {1, 1, 1}}).data<float>()[3], 90.0f);
  EXPECT_EQ(dataset->load(0, {1, 2, 2, {0, 0, 0}, {1, 1, 1}}).data<float>()[0], 124.0f);
}

TEST_F(DatasetChestXray14, NamesTheBrokenImageWhenLoading) {
  write_text(dir_ / "broken.png", "not an image");
  write_index("broken.png,Mass,0,1\n");
  const auto dataset = open();
  expect_error([&] { dataset->load(0, {}); }, Error::Kind::InvalidArgument,
               (dir_ / "broken.png").string() + ": not a JPEG or PNG image");
}

TEST_F(DatasetChestXray14, RefusesMalformedRows) {
  expect_open_error(
      "a.png,Mass,0,1\na.png,Pneumonitis|Mass,0,1\n",
      csv_ + ":3: unknown finding \"Pneumonitis\"; ChestX-ray14's are Atelectasis, Cardiomegaly,");
  expect_open_error("a.png,Mass|,0,1\n", csv_ + ":2: unknown finding \"\"");
  expect_open_error("a.png,No Finding|Mass,0,1\n", csv_ + ":2: unknown finding \"No Finding\"");
  expect_open_error("nothere.png,Mass,0,1\n",
                    csv_ + ":2: image nothere.png is in neither " + dir_.path().string());
  expect_open_error(",Mass,0,1\n", csv_ + ":2: the \"Image Index\" field is empty");
  expect_open_error(
      "a.png\n",
      csv_ + ":2: 1 fields, but the \"Image Index\" and \"Finding Labels\" columns need 2");
  expect_open_error("a.png,\"Mass,0,1\n", csv_ + ":2: a quoted field has no closing quote");
  expect_open_error("", csv_ + ": no samples");
  write_text(csv_, "Image Index,Labels\na.png,Mass\n");
  expect_error([&] { open(); }, Error::Kind::InvalidArgument,
               csv_ +
                   ":1: the header has no \"Finding Labels\" column; its columns are \"Image "
                   "Index\", \"Labels\"");
}

class DatasetValMap : public DatasetFolder {
 protected:
  DatasetValMap() : DatasetFolder("valmap", "val_map.txt", "") {}
  void SetUp() override {
    write_png(dir_ / "a.png", 1, 2, 3);
    write_png(dir_ / "b.png", 4, 5, 6);
  }
  const std::string& map_ = index_;
};

TEST_F(DatasetValMap, NamesClassesUpToTheLargestLabel) {
  write_index("a.png 3\n\nb.png  0\r\n");
  const auto dataset = open();
  ASSERT_EQ(dataset->size(), 2u);
  EXPECT_FALSE(dataset->multi_label());
  EXPECT_EQ(dataset->labels(0), std::vector<int>{3});
  EXPECT_EQ(dataset->classes(),
            (std::vector<std::string>{"class 0", "class 1", "class 2", "class 3"}));
  EXPECT_EQ(dataset->load(1, {3, 2, 2, {0, 0, 0}, {1, 1, 1}}).data<float>()[4], 5.0f);
  write_text(dir_ / "labels.txt", "cat\ndog\nfox\nowl\nyak\n");
  EXPECT_EQ(open()->classes(), (std::vector<std::string>{"cat", "dog", "fox", "owl", "yak"}));
}

TEST_F(DatasetValMap, RefusesMalformedLines) {
  expect_open_error("a.png 1\nb.png\n", map_ + ":2: expected \"FILE LABEL\", found \"b.png\"");
  expect_open_error("a.png 1 2\n", map_ + ":1: expected \"FILE LABEL\", found \"a.png 1 2\"");
  expect_open_error("a.png cat\n", map_ + ":1: label 'cat' is not an integer from 0 to 1000000");
  expect_open_error("a.png -1\n", map_ + ":1: label '-1' is not an integer");
  expect_open_error("a.png 1\nc.png 2\n",
                    map_ + ":2: image " + (dir_ / "c.png").string() + " does not exist");
  expect_open_error("\n", map_ + ": no samples");
  write_text(dir_ / "labels.txt", "cat\ndog\n");
  expect_open_error("a.png 2\n", (dir_ / "labels.txt").string() +
                                     ": names 2 classes, but val_map.txt has label 2");
}

TEST(DatasetCsv, SplitsQuotedFields) {
  EXPECT_EQ(split_csv_line("a,,\"b,c\",\"say \"\"hi\"\"\",\"\"\r", "x"),
            (std::vector<std::string>{"a", "", "b,c", "say \"hi\"", ""}));
  EXPECT_EQ(split_csv_line("", "x"), std::vector<std::string>{""});
  expect_error([] { split_csv_line("\"a\"b", "f.csv:4"); }, Error::Kind::InvalidArgument,
               "f.csv:4: text after the closing quote of field 1");
}

}  // namespace
}  // namespace zenith::tools
