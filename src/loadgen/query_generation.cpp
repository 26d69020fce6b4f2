// Query generation. The order of every draw from sample_rng and schedule_rng follows official
// LoadGen's GenerateQueries, including the shuffles whose results a performance run never
// reads: they advance sample_rng, so skipping them would change every sample index after.
#include "loadgen/query_generation.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <random>

namespace zenith::loadgen {
namespace {

using std::chrono::nanoseconds;

// Positions 0, stride, 2 * stride, ... below `end`, shuffled: each loaded sample (or each
// MultiStream block start) exactly once.
std::vector<std::size_t> shuffled_positions(std::size_t end, std::size_t stride,
                                            std::mt19937& rng) {
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < end; i += stride) positions.push_back(i);
  std::shuffle(positions.begin(), positions.end(), rng);
  return positions;
}

// Serves positions from a list in order; the list is the stream an accuracy run or an
// issue-unique / equal-issue run draws from.
class PositionList {
 public:
  explicit PositionList(std::vector<std::size_t> positions) : positions_(std::move(positions)) {}
  bool exhausted() const { return next_ >= positions_.size(); }
  std::size_t next() { return positions_.at(next_++); }
  void append(const std::vector<std::size_t>& more) {
    positions_.insert(positions_.end(), more.begin(), more.end());
  }

 private:
  std::vector<std::size_t> positions_;
  std::size_t next_ = 0;
};

// Whole permutations of the loaded set, for sample_concatenate_permutation.
class EqualIssueList {
 public:
  EqualIssueList(std::size_t min_queries, std::size_t set_size, std::mt19937& rng)
      : permutation_(set_size), rng_(rng), list_({}) {
    std::iota(permutation_.begin(), permutation_.end(), std::size_t{0});
    for (std::size_t done = 0; done < min_queries; done += set_size) add_permutation();
  }
  // Official LoadGen would stop with an out-of-range error here; another permutation is what
  // its min-query bump asks for, and nothing else draws from sample_rng meanwhile, so the
  // stream is the one a longer up-front list would give.
  std::size_t next() {
    if (list_.exhausted()) add_permutation();
    return list_.next();
  }

 private:
  void add_permutation() {
    std::shuffle(permutation_.begin(), permutation_.end(), rng_);
    list_.append(permutation_);
  }
  std::vector<std::size_t> permutation_;
  std::mt19937& rng_;
  PositionList list_;
};

class Generator {
 public:
  Generator(const EffectiveSettings& settings, const LoadableSet& set, TestMode mode)
      : s_(settings),
        set_(set),
        accuracy_(mode == TestMode::Accuracy),
        sample_rng_(settings.sample_index_rng_seed),
        schedule_rng_(settings.schedule_rng_seed) {}

  GeneratedQueries run();

 private:
  void choose_samples(std::vector<QuerySampleIndex>& dst);
  std::size_t draw_position();
  nanoseconds next_interval();

  const EffectiveSettings& s_;
  const LoadableSet& set_;
  const bool accuracy_;
  std::mt19937 sample_rng_;
  std::mt19937 schedule_rng_;
  std::size_t spq_ = 0;
  std::optional<PositionList> accuracy_list_;
  std::optional<PositionList> unique_list_;
  std::optional<EqualIssueList> equal_issue_;
  std::uniform_int_distribution<int> uniform_;
  std::exponential_distribution<double> exponential_;
  nanoseconds period_{0};
};

std::size_t Generator::draw_position() {
  if (accuracy_) return accuracy_list_->next();
  if (s_.performance_issue_unique) return unique_list_->next();
  if (s_.performance_issue_same) return s_.performance_issue_same_index;
  if (equal_issue_ && s_.scenario != Scenario::MultiStream) return equal_issue_->next();
  return static_cast<std::size_t>(uniform_(sample_rng_));
}

void Generator::choose_samples(std::vector<QuerySampleIndex>& dst) {
  const auto& loaded = set_.samples;
  if (s_.scenario == Scenario::MultiStream) {
    std::size_t first = draw_position();
    for (std::size_t i = 0; i < spq_; ++i) dst.push_back(loaded[first + i]);
  } else if (s_.scenario == Scenario::Offline && !accuracy_) {
    // No randomness: the loaded set repeated in load order, cut to samples_per_query.
    for (std::size_t i = 0; i < spq_; ++i) {
      dst.push_back(s_.performance_issue_same ? loaded[s_.performance_issue_same_index]
                                              : loaded[i % loaded.size()]);
    }
  } else {
    for (std::size_t i = 0; i < spq_; ++i) dst.push_back(loaded[draw_position()]);
  }
}

nanoseconds Generator::next_interval() {
  if (s_.scenario != Scenario::Server) return period_;
  // Poisson arrivals; truncation to whole nanoseconds matches official's duration_cast.
  return std::chrono::duration_cast<nanoseconds>(
      std::chrono::duration<double>(exponential_(schedule_rng_)));
}

GeneratedQueries Generator::run() {
  const auto& loaded = set_.samples;
  const std::size_t end = set_.distribution_end;
  const bool multi_stream = s_.scenario == Scenario::MultiStream;
  spq_ = (accuracy_ && s_.scenario == Scenario::Offline) ? end : s_.samples_per_query;
  const std::size_t stride = multi_stream ? spq_ : 1;

  const int duration_multiplier = s_.scenario == Scenario::Server ? 1 : 2;
  nanoseconds gen_duration = std::chrono::milliseconds(s_.target_duration_ms) * duration_multiplier;
  std::size_t min_queries = s_.min_query_count;
  // performance_issue_same generates as performance_issue_unique does (the official LoadGen's
  // rule): one pass over the loaded set, not the test duration's worth.
  if (accuracy_ || s_.performance_issue_unique || s_.performance_issue_same) {
    gen_duration = nanoseconds(0);
    min_queries = loaded.size() / spq_;
  }

  // The draws below happen whether or not their lists are used (see the file comment).
  if (accuracy_) accuracy_list_.emplace(shuffled_positions(end, stride, sample_rng_));
  unique_list_.emplace(shuffled_positions(end, stride, sample_rng_));
  EqualIssueList equal_issue(min_queries, loaded.size(), sample_rng_);
  const bool equal_issue_on = !accuracy_ && s_.sample_concatenate_permutation;
  if (equal_issue_on) equal_issue_.emplace(std::move(equal_issue));

  uniform_ = std::uniform_int_distribution<int>(0, static_cast<int>(end) - 1);
  exponential_ = std::exponential_distribution<double>(s_.target_qps);
  period_ =
      std::chrono::duration_cast<nanoseconds>(std::chrono::duration<double>(1.0 / s_.target_qps));

  GeneratedQueries out;
  out.samples_per_query = spq_;
  out.query_begin.push_back(0);
  nanoseconds timestamp(0);
  nanoseconds previous(0);
  while (previous < gen_duration || out.query_count() < min_queries) {
    choose_samples(out.samples);
    out.query_begin.push_back(out.samples.size());
    out.scheduled_offsets.push_back(timestamp);
    previous = timestamp;
    timestamp += next_interval();
    if (equal_issue_on && out.query_count() >= min_queries && previous < gen_duration &&
        s_.scenario != Scenario::Offline)
      min_queries += loaded.size();
  }
  out.duration = timestamp;
  return out;
}

}  // namespace

GeneratedQueries generate_queries(const EffectiveSettings& settings, const LoadableSet& set,
                                  TestMode mode) {
  return Generator(settings, set, mode).run();
}

}  // namespace zenith::loadgen
