// QuerySampleLibrary: the data set a test draws sample indices from (LOADGEN.md §1, §10).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "loadgen/query_sample.h"

namespace zenith::loadgen {

class QuerySampleLibrary {
 public:
  virtual ~QuerySampleLibrary() = default;

  virtual std::string name() const = 0;
  virtual std::size_t total_sample_count() const = 0;
  // How many samples fit in memory at once: the size of one loadable set.
  virtual std::size_t performance_sample_count() const = 0;
  // LoadGen loads a set before it issues any query that names its samples, and unloads it after
  // every such sample has completed.
  virtual void load_samples(std::span<const QuerySampleIndex> samples) = 0;
  virtual void unload_samples(std::span<const QuerySampleIndex> samples) = 0;
};

}  // namespace zenith::loadgen
