// Checkpoints: all a training run needs to continue where it stopped (parameters, batch norm's
// running statistics, optimizer state, the step), in one file written atomically, so that a run
// killed at any moment leaves the last checkpoint whole.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "ir/tensor.h"

namespace zenith::train {

struct Checkpoint {
  int64_t step = 0;  // optimizer steps done
  // The run's settings that must match for a resumed run to continue the same run (model,
  // batch, optimizer, seed...), compared by the caller.
  std::map<std::string, std::string> run;
  std::map<std::string, ir::Tensor> tensors;  // f32 or i64
};

// Writes `checkpoint` at `path` through a temporary file renamed into place. Throws
// InvalidArgument naming the path if it cannot be written.
void write_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);

// Reads a checkpoint write_checkpoint wrote. Throws InvalidArgument naming the file when it is
// missing, not a checkpoint, truncated or damaged (its checksum).
Checkpoint read_checkpoint(const std::filesystem::path& path);

}  // namespace zenith::train
