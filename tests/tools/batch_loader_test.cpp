// BatchLoader: batches follow epoch_order, are the same for any thread count, resume mid-epoch,
// rethrow a sample's load error in order, and stop cleanly with work in flight.
#include "tools/batch_loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "testing/expect_error.h"
#include "tools/synthetic_dataset.h"

namespace zenith::tools {
namespace {

using testing::expect_error;

InputLayout small_layout() {
  InputLayout layout;
  layout.channels = 3;
  layout.height = 6;
  layout.width = 5;
  return layout;  // mean 0, scale 1: channel 0 holds the sample index % 251
}

std::vector<Batch> all_batches(BatchLoader& loader) {
  std::vector<Batch> out;
  while (loader.remaining() > 0) out.push_back(loader.next());
  return out;
}

bool same_bytes(const ir::Tensor& a, const ir::Tensor& b) {
  return a.dtype() == b.dtype() && a.dims() == b.dims() &&
         std::memcmp(a.raw(), b.raw(), a.size_bytes()) == 0;
}

TEST(EpochOrder, IsASeededPermutationPerEpoch) {
  const std::vector<size_t> order = epoch_order(1000, 9, 2, true);
  std::vector<size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<size_t> identity(1000);
  std::iota(identity.begin(), identity.end(), size_t{0});
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(order, identity);
  EXPECT_EQ(epoch_order(1000, 9, 2, true), order);
  EXPECT_NE(epoch_order(1000, 9, 3, true), order);
  EXPECT_NE(epoch_order(1000, 8, 2, true), order);
  EXPECT_EQ(epoch_order(1000, 9, 2, false), identity);
}

TEST(BatchLoader, HandsOutTheEpochsBatchesInOrder) {
  const SyntheticImages data(50, 5, 6, 5);
  LoaderOptions options;
  options.batch = 8;
  options.seed = 3;
  options.threads = 2;
  BatchLoader loader(data, small_layout(), options, 2);
  EXPECT_EQ(loader.steps_per_epoch(), 6u);  // 50 / 8, the last 2 samples left out
  const std::vector<Batch> batches = all_batches(loader);
  ASSERT_EQ(batches.size(), 12u);
  const int64_t plane = 6 * 5;
  for (size_t b = 0; b < batches.size(); ++b) {
    const Batch& batch = batches[b];
    EXPECT_EQ(batch.epoch, static_cast<int64_t>(b / 6));
    EXPECT_EQ(batch.step, b % 6);
    ASSERT_EQ(batch.inputs.dims(), (ir::Dims{8, 3, 6, 5}));
    ASSERT_EQ(batch.labels.dims(), (ir::Dims{8}));
    const std::vector<size_t> order = epoch_order(50, 3, batch.epoch, true);
    for (int64_t i = 0; i < 8; ++i) {
      const size_t index = order[batch.step * 8 + static_cast<size_t>(i)];
      EXPECT_EQ(batch.inputs.data<float>()[i * 3 * plane], static_cast<float>(index)) << b;
      EXPECT_EQ(batch.labels.data<int64_t>()[i], static_cast<int64_t>(index % 5)) << b;
    }
  }
  expect_error([&] { loader.next(); }, Error::Kind::InvalidArgument,
               "all 12 batches were handed out");
}

TEST(BatchLoader, GivesTheSameBatchesForAnyThreadCount) {
  const SyntheticImages data(64, 9, 7, 4, /*multi_label=*/true);
  std::vector<std::vector<Batch>> runs;
  for (int threads : {0, 1, 3, 8}) {
    LoaderOptions options;
    options.batch = 6;
    options.seed = 11;
    options.augment = true;
    options.threads = threads;
    options.ahead = 2;
    BatchLoader loader(data, small_layout(), options, 2);
    runs.push_back(all_batches(loader));
  }
  ASSERT_EQ(runs[0].size(), 20u);
  for (size_t r = 1; r < runs.size(); ++r)
    for (size_t b = 0; b < runs[0].size(); ++b) {
      EXPECT_TRUE(same_bytes(runs[r][b].inputs, runs[0][b].inputs)) << r << " " << b;
      EXPECT_TRUE(same_bytes(runs[r][b].labels, runs[0][b].labels)) << r << " " << b;
    }
  // Multi-label targets: [B, K] of 0 and 1, the sample's classes set.
  const Batch& first = runs[0][0];
  ASSERT_EQ(first.labels.dims(), (ir::Dims{6, 4}));
  const std::vector<size_t> order = epoch_order(64, 11, 0, true);
  for (int64_t i = 0; i < 6; ++i)
    for (int64_t c = 0; c < 4; ++c) {
      const std::vector<int> classes = data.labels(order[i]);
      const bool set = std::find(classes.begin(), classes.end(), c) != classes.end();
      EXPECT_EQ(first.labels.data<float>()[i * 4 + c], set ? 1.0f : 0.0f);
    }
}

TEST(BatchLoader, ResumesMidEpochWithTheSameBatches) {
  const SyntheticImages data(40, 8, 8, 3);
  LoaderOptions options;
  options.batch = 4;  // 10 steps per epoch
  options.seed = 5;
  options.augment = true;
  BatchLoader whole(data, small_layout(), options, 3);
  const std::vector<Batch> uninterrupted = all_batches(whole);
  ASSERT_EQ(uninterrupted.size(), 30u);
  options.threads = 2;
  BatchLoader resumed(data, small_layout(), options, 3, /*start_epoch=*/1, /*start_step=*/7);
  EXPECT_EQ(resumed.remaining(), 13u);
  const std::vector<Batch> rest = all_batches(resumed);
  ASSERT_EQ(rest.size(), 13u);
  for (size_t b = 0; b < rest.size(); ++b) {
    const Batch& want = uninterrupted[17 + b];
    EXPECT_EQ(rest[b].epoch, want.epoch);
    EXPECT_EQ(rest[b].step, want.step);
    EXPECT_TRUE(same_bytes(rest[b].inputs, want.inputs)) << b;
    EXPECT_TRUE(same_bytes(rest[b].labels, want.labels)) << b;
  }
  expect_error([&] { BatchLoader bad(data, small_layout(), options, 3, 0, 10); },
               Error::Kind::InvalidArgument, "resuming at step 10 of an epoch of 10 steps");
  options.batch = 41;
  expect_error([&] { BatchLoader bad(data, small_layout(), options, 1); },
               Error::Kind::InvalidArgument, "--batch 41: the dataset has only 40 samples");
}

TEST(BatchLoader, RethrowsALoadErrorAtItsBatch) {
  const SyntheticImages data(32, 4, 4, 2, false, /*broken=*/13);
  for (int threads : {0, 3}) {
    LoaderOptions options;
    options.batch = 4;
    options.shuffle = false;
    options.threads = threads;
    BatchLoader loader(data, small_layout(), options, 1);
    for (int b = 0; b < 3; ++b) EXPECT_EQ(loader.next().step, static_cast<size_t>(b));
    expect_error([&] { loader.next(); }, Error::Kind::InvalidArgument,
                 "sample-13.png: corrupt PNG file");
    EXPECT_EQ(loader.next().step, 4u);  // the batches after it still come
  }
}

TEST(BatchLoader, StopsCleanlyWithWorkInFlight) {
  const SyntheticImages data(4096, 64, 64, 10);
  LoaderOptions options;
  options.batch = 16;
  options.threads = 4;
  options.augment = true;
  for (int round = 0; round < 20; ++round) {
    BatchLoader loader(data, small_layout(), options, 5);
    if (round % 2) {
      EXPECT_EQ(loader.next().step, 0u);
    }
  }  // each destructor returns with workers mid-batch and batches unclaimed
}

}  // namespace
}  // namespace zenith::tools
