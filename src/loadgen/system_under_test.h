// SystemUnderTest: the interface LoadGen drives (LOADGEN.md §1).
#pragma once

#include <span>
#include <string>

#include "loadgen/query_sample.h"

namespace zenith::loadgen {

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;

  virtual std::string name() const = 0;
  // Must not block: LoadGen times the issue of the next query from the return of this one. The
  // span is only valid during the call. Every sample is later reported, exactly once, through
  // query_samples_complete, from any thread.
  virtual void issue_query(std::span<const QuerySample> samples) = 0;
  // Called once after the last query has been issued: a batching SUT sends what it holds.
  virtual void flush_queries() = 0;
};

}  // namespace zenith::loadgen
