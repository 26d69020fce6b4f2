// A dataset split in two by a seeded draw (`zenith train --val-split F`): a fraction held out
// for validation, the rest for training, no sample in both.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "tools/dataset.h"

namespace zenith::tools {

// (the training part, the validation part) of `data`: round(fraction * size) samples drawn by
// `seed` are the validation part; each part keeps the dataset's order. Throws InvalidArgument
// unless 0 < fraction < 1 leaves both parts a sample.
std::pair<std::shared_ptr<const Dataset>, std::shared_ptr<const Dataset>> hold_out(
    std::shared_ptr<const Dataset> data, double fraction, uint64_t seed);

}  // namespace zenith::tools
