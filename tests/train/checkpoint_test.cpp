// Checkpoints: a run stopped, written, read back and resumed ends where an uninterrupted run
// ends; damaged files and checkpoints of other models are reported.
#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <fstream>

#include "passes/freeze_input_shapes.h"
#include "testing/expect_error.h"
#include "testing/temp_dir.h"
#include "train/builtin_models.h"
#include "train/trainer.h"

namespace zenith::train {
namespace {

using testing::expect_error;

struct Batch {
  ir::Tensor x{ir::DType::F32, {4, 1, 28, 28}};
  ir::Tensor labels{ir::DType::I64, {4}};
  explicit Batch(int step) {
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data<float>()[i] = static_cast<float>((i * (step + 3)) % 13) / 13;
    for (int64_t i = 0; i < 4; ++i) labels.data<int64_t>()[i] = (i + step) % 10;
  }
};

ir::Graph small_cnn() {
  ir::Graph g = builtin_model("small-cnn", 10, {1, 28, 28}, 5);
  passes::freeze_input_shapes(g, {{"input", {4, 1, 28, 28}}});
  return g;
}

void steps(Trainer& t, int from, int to) {
  for (int s = from; s < to; ++s) {
    const Batch b(s);
    t.step({{"input", b.x}}, b.labels, 0.05f);
  }
}

class CheckpointResume : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckpointResume, EndsWhereAnUninterruptedRunEnds) {
  const ir::Graph model = small_cnn();
  const TrainerOptions options{.optimizer = {.kind = GetParam(), .momentum = 0.9f},
                               .devices = {"REF"}};
  Trainer straight(model, options);
  steps(straight, 0, 6);

  testing::TempDir dir("checkpoint");
  {
    Trainer first(model, options);
    steps(first, 0, 3);
    Checkpoint c = first.checkpoint();
    c.run["model"] = "small-cnn";
    write_checkpoint(dir / "c.zck", c);
  }
  const Checkpoint c = read_checkpoint(dir / "c.zck");
  EXPECT_EQ(c.step, 3);
  EXPECT_EQ(c.run.at("model"), "small-cnn");
  Trainer resumed(model, options);
  resumed.restore(c);
  steps(resumed, 3, 6);
  EXPECT_EQ(resumed.steps(), 6u);

  const ir::Graph a = straight.trained_model(model), b = resumed.trained_model(model);
  for (const auto& [name, t] : a.initializers) {
    const ir::Tensor& u = b.initializers.at(name);
    ASSERT_EQ(t.size_bytes(), u.size_bytes()) << name;
    EXPECT_EQ(std::memcmp(t.raw(), u.raw(), t.size_bytes()), 0) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Train, CheckpointResume, ::testing::Values("sgd", "adam"));

TEST(Checkpoint, ReportsDamagedFilesAndOtherModels) {
  testing::TempDir dir("checkpoint");
  Trainer trainer(small_cnn(), {.devices = {"REF"}});
  write_checkpoint(dir / "c.zck", trainer.checkpoint());
  const auto size = std::filesystem::file_size(dir / "c.zck");
  std::filesystem::copy_file(dir / "c.zck", dir / "cut.zck");
  std::filesystem::resize_file(dir / "cut.zck", size - 100);
  expect_error([&] { read_checkpoint(dir / "cut.zck"); }, Error::Kind::InvalidArgument,
               "cut.zck: not a whole Zenith checkpoint (truncated or damaged: checksum)");
  {
    std::fstream f(dir / "c.zck", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put('\x7f');
  }
  expect_error([&] { read_checkpoint(dir / "c.zck"); }, Error::Kind::InvalidArgument, "checksum");
  expect_error([&] { read_checkpoint(dir / "none.zck"); }, Error::Kind::InvalidArgument,
               "none.zck: no checkpoint there");

  ir::Graph other = builtin_model("small-cnn", 7, {1, 28, 28}, 5);
  passes::freeze_input_shapes(other, {{"input", {4, 1, 28, 28}}});
  Trainer wrong(other, {.devices = {"REF"}});
  expect_error([&] { wrong.restore(trainer.checkpoint()); }, Error::Kind::InvalidArgument,
               "the checkpoint's 'linear_");
}

}  // namespace
}  // namespace zenith::train
