// query_samples_complete: how a SUT reports finished samples (LOADGEN.md §1).
#pragma once

#include <span>

#include "loadgen/query_sample.h"

namespace zenith::loadgen {

// Takes the completion time once, on entry, for every response in the call; so a SUT that
// batches completions reports the batch's time. Thread-safe; may be called from any thread.
// REQUIRES: each id came from a QuerySample of the running test and is reported exactly once.
void query_samples_complete(std::span<const QuerySampleResponse> responses);

}  // namespace zenith::loadgen
