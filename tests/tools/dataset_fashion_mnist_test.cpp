#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "testing/expect_error.h"
#include "testing/temp_dir.h"
#include "tools/dataset.h"
#include "tools/idx.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;
using testing::expect_error;
using Bytes = std::vector<uint8_t>;

Bytes idx_bytes(std::vector<uint32_t> dims, const Bytes& data) {
  Bytes out = {0, 0, 8, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(d >> shift));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void write_plain(const fs::path& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void write_gzip(const fs::path& path, const Bytes& bytes) {
  gzFile file = gzopen(path.string().c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

// Three 2x2 images, pixel k of image i is 10 * i + k, labelled 0, 9 and 4.
const Bytes kPixels = {0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23};
const Bytes kLabels = {0, 9, 4};

class DatasetFashionMnist : public ::testing::Test {
 protected:
  testing::TempDir dir_{"fashion"};
  fs::path images_ = dir_ / "t10k-images-idx3-ubyte";
  fs::path labels_ = dir_ / "t10k-labels-idx1-ubyte";

  void write_pair(const Bytes& images, const Bytes& labels) {
    write_plain(images_, images);
    write_plain(labels_, labels);
  }
  std::unique_ptr<Dataset> open(size_t limit = 0) {
    return open_dataset(dir_.path().string(), limit);
  }
  void expect_open_error(const std::string& text) {
    expect_error([&] { open(); }, Error::Kind::InvalidArgument, text);
  }
};

TEST_F(DatasetFashionMnist, ReadsGzippedPairAsSingleLabelSamples) {
  write_gzip(dir_ / "t10k-images-idx3-ubyte.gz", idx_bytes({3, 2, 2}, kPixels));
  write_gzip(dir_ / "t10k-labels-idx1-ubyte.gz", idx_bytes({3}, kLabels));
  const auto dataset = open();
  EXPECT_EQ(dataset->size(), 3u);
  EXPECT_FALSE(dataset->multi_label());
  ASSERT_EQ(dataset->classes().size(), 10u);
  EXPECT_EQ(dataset->classes()[9], "Ankle boot");
  EXPECT_EQ(dataset->labels(1), std::vector<int>{9});
  const Tensor sample = dataset->load(2, {1, 2, 2, {0, 0, 0}, {255, 1, 1}});
  EXPECT_EQ(sample.shape(), (Shape{1, 1, 2, 2}));
  const float* p = sample.data<float>();
  EXPECT_EQ(std::vector<float>(p, p + 4),
            (std::vector<float>{20 / 255.f, 21 / 255.f, 22 / 255.f, 23 / 255.f}));
}

TEST_F(DatasetFashionMnist, ReplicatesGrayForRgbAndResizes) {
  write_pair(idx_bytes({3, 2, 2}, {7, 7, 7, 7, 1, 2, 3, 4, 5, 5, 5, 5}), idx_bytes({3}, kLabels));
  const auto dataset = open(2);
  EXPECT_EQ(dataset->size(), 2u);
  const Tensor rgb = dataset->load(1, {3, 2, 2, {1, 2, 3}, {1, 1, 1}});
  EXPECT_EQ(rgb.shape(), (Shape{1, 3, 2, 2}));
  const float* p = rgb.data<float>();
  EXPECT_EQ(std::vector<float>(p, p + 12),
            (std::vector<float>{0, 1, 2, 3, -1, 0, 1, 2, -2, -1, 0, 1}));
  const Tensor big = dataset->load(0, {1, 5, 3, {0, 0, 0}, {1, 1, 1}});
  EXPECT_EQ(big.shape(), (Shape{1, 1, 5, 3}));
  for (size_t i = 0; i < big.size(); ++i) EXPECT_EQ(big.data<float>()[i], 7.0f) << i;
  expect_error([&] { dataset->load(2, {}); }, Error::Kind::InvalidArgument,
               "sample 2 is out of range; the dataset has 2 samples");
  expect_error(
      [&] {
        dataset->load(0, {2, 2, 2, {}, {1, 1, 1}});
      },
      Error::Kind::InvalidArgument,
      "t10k-images-idx3-ubyte: sample 0: the model input has 2 channels; datasets provide 1 (gray) "
      "or 3 (RGB)");
  expect_error(
      [&] {
        dataset->load(0, {1, 2, 2, {}, {0, 1, 1}});
      },
      Error::Kind::InvalidArgument, "scale[0] is zero");
}

TEST_F(DatasetFashionMnist, RefusesGarbledHeaders) {
  write_plain(labels_, idx_bytes({3}, kLabels));
  write_plain(images_, {'P', 'K', 3, 4, 5});
  expect_open_error(
      "t10k-images-idx3-ubyte: not an IDX file: it starts with 50 4B 03 04, but IDX files start "
      "with 00 00");
  write_plain(images_, {0, 0});
  expect_open_error("t10k-images-idx3-ubyte: not an IDX file: it starts with 00 00, but");
  write_plain(images_, {0, 0, 0x0D, 3});
  expect_open_error(
      "t10k-images-idx3-ubyte: IDX element type 0x0D is not supported; expected 0x08 (unsigned "
      "byte)");
  write_plain(images_, idx_bytes({12}, kPixels));
  expect_open_error("t10k-images-idx3-ubyte: the IDX array has 1 dims, expected 3");
  write_plain(images_, {0, 0, 8, 3, 0, 0, 0, 3, 0, 0});
  expect_open_error("t10k-images-idx3-ubyte: truncated IDX file: it ends inside the 3 dims");
  write_plain(images_, idx_bytes({0xFFFFFFFF, 28, 28}, {}));
  expect_open_error(
      "t10k-images-idx3-ubyte: the IDX dims [4294967295,28,28] need more than the limit of "
      "4294967296 bytes");
  write_plain(images_, idx_bytes({3, 0, 2}, {}));
  expect_open_error("t10k-images-idx3-ubyte: the images are 0x2 pixels; expected a non-empty size");
}

TEST_F(DatasetFashionMnist, RefusesDataOfTheWrongSize) {
  write_plain(labels_, idx_bytes({3}, kLabels));
  write_plain(images_, idx_bytes({3, 2, 2}, Bytes(kPixels.begin(), kPixels.end() - 1)));
  expect_open_error(
      "t10k-images-idx3-ubyte: truncated IDX file: dims [3,2,2] need 12 bytes of data, it holds "
      "11");
  Bytes longer = kPixels;
  longer.push_back(0);
  write_plain(images_, idx_bytes({3, 2, 2}, longer));
  expect_open_error(
      "t10k-images-idx3-ubyte: the IDX file has more data than the 12 bytes its dims [3,2,2] need");
}

TEST_F(DatasetFashionMnist, RefusesTruncatedGzip) {
  const fs::path whole = dir_ / "whole.gz";
  write_gzip(whole, idx_bytes({3, 2, 2}, kPixels));
  std::ifstream in(whole, std::ios::binary);
  Bytes gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gz.resize(gz.size() - 12);
  write_plain(dir_ / "t10k-images-idx3-ubyte.gz", gz);
  write_plain(labels_, idx_bytes({3}, kLabels));
  expect_open_error(
      "t10k-images-idx3-ubyte.gz: corrupt or truncated gzip data: unexpected end of file");
}

TEST_F(DatasetFashionMnist, RefusesLabelsThatDoNotFit) {
  write_plain(images_, idx_bytes({3, 2, 2}, kPixels));
  write_plain(labels_, idx_bytes({2}, {0, 1}));
  expect_open_error("t10k-labels-idx1-ubyte: 2 labels, but t10k-images-idx3-ubyte holds 3 images");
  write_plain(labels_, idx_bytes({3}, {0, 10, 1}));
  expect_open_error(
      "t10k-labels-idx1-ubyte: sample 1 has label 10; Fashion-MNIST's classes are 0 to 9");
  fs::remove(labels_);
  expect_open_error("t10k-labels-idx1-ubyte.gz: no such IDX file");
}

TEST(DatasetOpen, RefusesWhatIsNoDataset) {
  expect_error([] { open_dataset("/nonexistent/data"); }, Error::Kind::InvalidArgument,
               "dataset '/nonexistent/data': no such folder; expected fashion-mnist, npy:DIR, "
               "chestxray14:DIR[:PART], imagefolder:DIR or a dataset folder");
  const testing::TempDir dir("empty");
  const std::string path = dir.path().string();
  expect_error([&] { open_dataset(path); }, Error::Kind::InvalidArgument,
               path + ": not a dataset folder: it holds none of Data_Entry_2017.csv");
}

// The Debian package's test set: 10,000 images, the first an ankle boot.
TEST(DatasetOpen, FindsTheDebianFashionMnist) {
  ASSERT_TRUE(fs::exists(kFashionMnistDir)) << kFashionMnistDir << " is absent: run scripts/install-deps.sh";
  const auto dataset = open_dataset("fashion-mnist");
  EXPECT_EQ(dataset->size(), 10000u);
  EXPECT_EQ(dataset->labels(0), std::vector<int>{9});
  EXPECT_EQ(open_dataset("fashion-mnist", 100)->size(), 100u);
  const Tensor sample = dataset->load(9999, {1, 28, 28, {0, 0, 0}, {255, 1, 1}});
  EXPECT_EQ(sample.shape(), (Shape{1, 1, 28, 28}));
}

}  // namespace
}  // namespace zenith::tools
