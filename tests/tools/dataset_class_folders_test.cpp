// imagefolder:DIR datasets: classes and samples in torchvision ImageFolder's order, PNG and JPEG
// images, and errors naming the empty folder or the unreadable image.
#include <gtest/gtest.h>

#include <fstream>

#include "testing/expect_error.h"
#include "testing/image_files.h"
#include "testing/temp_dir.h"
#include "tools/dataset.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;
using testing::expect_error;

std::vector<uint8_t> uniform(int pixels, uint8_t r, uint8_t g, uint8_t b) {
  std::vector<uint8_t> rgb;
  for (int i = 0; i < pixels; ++i) rgb.insert(rgb.end(), {r, g, b});
  return rgb;
}

class DatasetClassFolders : public ::testing::Test {
 protected:
  DatasetClassFolders() : dir_("classes") {}
  void SetUp() override {
    for (const char* name : {"zebra", "ant", "moth"}) fs::create_directory(dir_ / name);
    testing::write_png(dir_ / "zebra" / "b.png", 2, 2, uniform(4, 250, 250, 250));
    testing::write_png(dir_ / "zebra" / "a.PNG", 2, 2, uniform(4, 0, 0, 0));
    testing::write_jpeg(dir_ / "ant" / "x.jpg", 8, 8, uniform(64, 128, 128, 128));
    testing::write_png(dir_ / "moth" / "m.png", 3, 1, uniform(3, 10, 20, 30));
    std::ofstream(dir_ / "moth" / "notes.txt") << "not an image";
  }
  std::unique_ptr<Dataset> open(size_t limit = 0) {
    return open_dataset("imagefolder:" + dir_.path().string(), limit);
  }
  testing::TempDir dir_;
};

TEST_F(DatasetClassFolders, SortsClassesAndFilesByName) {
  const auto dataset = open();
  EXPECT_EQ(dataset->classes(), (std::vector<std::string>{"ant", "moth", "zebra"}));
  EXPECT_FALSE(dataset->multi_label());
  ASSERT_EQ(dataset->size(), 4u);  // notes.txt is no image
  EXPECT_EQ(dataset->labels(0), std::vector<int>{0});
  EXPECT_EQ(dataset->labels(1), std::vector<int>{1});
  EXPECT_EQ(dataset->labels(2), std::vector<int>{2});
  EXPECT_EQ(dataset->labels(3), std::vector<int>{2});
  // a.PNG sorts before b.png: black, then white.
  EXPECT_EQ(dataset->image(2).rgb, uniform(4, 0, 0, 0));
  EXPECT_EQ(dataset->image(3).rgb, uniform(4, 250, 250, 250));
  const Image gray = dataset->image(0);
  EXPECT_EQ(gray.width, 8);
  for (uint8_t v : gray.rgb) EXPECT_NEAR(v, 128, 1);
  InputLayout layout;
  layout.channels = 3;
  layout.height = layout.width = 2;
  const Tensor moth = dataset->load(1, layout);
  EXPECT_EQ(moth.shape(), (Shape{1, 3, 2, 2}));
  EXPECT_FLOAT_EQ(moth.data<float>()[0], 10.0f);
  EXPECT_FLOAT_EQ(moth.data<float>()[11], 30.0f);
  EXPECT_EQ(open(2)->size(), 2u);
}

TEST_F(DatasetClassFolders, NamesTheEmptyFolderOrTheBadImage) {
  std::ofstream(dir_ / "ant" / "broken.png") << "garbage";
  const auto dataset = open();
  expect_error([&] { dataset->image(0); }, Error::Kind::InvalidArgument,
               (dir_ / "ant" / "broken.png").string() + ": not a JPEG or PNG image");
  fs::create_directory(dir_ / "empty");
  expect_error([&] { open(); }, Error::Kind::InvalidArgument,
               (dir_ / "empty").string() + ": class folder with no .png or .jpg images");
  const testing::TempDir none("noclasses");
  expect_error([&] { open_dataset("imagefolder:" + none.path().string()); },
               Error::Kind::InvalidArgument, ": no class folders; expected DIR/CLASS/*.png|jpg");
}

}  // namespace
}  // namespace zenith::tools
