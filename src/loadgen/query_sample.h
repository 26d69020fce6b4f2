// QuerySample and QuerySampleResponse: what LoadGen hands a SUT and what the SUT hands back.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zenith::loadgen {

// Opaque to the SUT: it only passes the id back in its response.
using ResponseId = std::uintptr_t;
// An index into the query sample library.
using QuerySampleIndex = std::size_t;

struct QuerySample {
  ResponseId id;
  QuerySampleIndex index;
};

// `data` is only read inside query_samples_complete (for accuracy mode); the SUT keeps ownership.
struct QuerySampleResponse {
  ResponseId id;
  const void* data = nullptr;
  std::size_t size_bytes = 0;
};

}  // namespace zenith::loadgen
