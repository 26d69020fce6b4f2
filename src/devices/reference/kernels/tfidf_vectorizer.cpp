// TfIdfVectorizer (opset 9): counts the pool's n-grams (with skips) in each row of an int or
// string input and weighs them (TF, IDF or TFIDF).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// Pool n-gram -> output index. The pool stores the 1-grams from ngram_counts[0], the 2-grams
// from ngram_counts[1], and so on; n-grams are numbered in pool order for ngram_indexes.
template <typename Key>
std::map<std::vector<Key>, int64_t> read_pool(const std::vector<Key>& pool,
                                              const std::vector<int64_t>& counts,
                                              const std::vector<int64_t>& indexes) {
  std::map<std::vector<Key>, int64_t> grams;
  size_t ordinal = 0;
  const int64_t pool_size = static_cast<int64_t>(pool.size());
  for (size_t level = 0; level < counts.size(); ++level) {
    const int64_t n = static_cast<int64_t>(level) + 1;
    const int64_t begin = counts[level];
    const int64_t end = level + 1 < counts.size() ? counts[level + 1] : pool_size;
    if (begin < 0 || begin > end || end > pool_size || (end - begin) % n != 0)
      throw_invalid_model(
          "attribute ngram_counts {} does not split a pool of {} items into "
          "1-grams, 2-grams, ...",
          counts, pool_size);
    for (int64_t i = begin; i < end; i += n, ++ordinal) {
      if (ordinal >= indexes.size())
        throw_invalid_model("attribute ngram_indexes has {} entries, fewer than the pool's n-grams",
                            indexes.size());
      grams[std::vector<Key>(pool.begin() + i, pool.begin() + i + n)] = indexes[ordinal];
    }
  }
  if (ordinal != indexes.size())
    throw_invalid_model("attribute ngram_indexes has {} entries, expected one per pool n-gram ({})",
                        indexes.size(), ordinal);
  return grams;
}

struct GramSpec {
  int64_t min_gram, max_gram, max_skip;
  int64_t width;  // output entries per row
};

// counts[row * width + index] += 1 for every pool n-gram found in the row. A skip of s takes every
// (s+1)-th item; 1-grams are counted once, not once per skip.
template <typename Key, typename KeyAt>
void count_grams(const std::map<std::vector<Key>, int64_t>& grams, int64_t rows, int64_t items,
                 const KeyAt& key_at, const GramSpec& spec, std::vector<double>& counts) {
  std::vector<Key> gram;
  for (int64_t row = 0; row < rows; ++row) {
    // Skips too long for a 2-gram in the row are not tried, so a huge max_skip_count costs nothing.
    for (int64_t skip = 0; skip <= spec.max_skip && (skip == 0 || skip + 1 < items); ++skip) {
      const int64_t step = skip + 1;
      for (int64_t start = 0; start < items; ++start) {
        const int64_t shortest = std::max<int64_t>(spec.min_gram, skip == 0 ? 1 : 2);
        for (int64_t n = shortest; n <= spec.max_gram && start + (n - 1) * step < items; ++n) {
          gram.clear();
          for (int64_t k = 0; k < n; ++k) gram.push_back(key_at(row * items + start + k * step));
          if (auto it = grams.find(gram); it != grams.end())
            counts[static_cast<size_t>(row * spec.width + it->second)] += 1;
        }
      }
    }
  }
}

void tfidf_vectorizer(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto min_gram = ctx.attr<int64_t>("min_gram_length");
  const auto max_gram = ctx.attr<int64_t>("max_gram_length");
  const auto max_skip = ctx.attr<int64_t>("max_skip_count");
  const auto mode = ctx.attr<std::string>("mode");
  const auto ngram_counts = ctx.attr<std::vector<int64_t>>("ngram_counts");
  const auto ngram_indexes = ctx.attr<std::vector<int64_t>>("ngram_indexes");
  const auto weights = ctx.attr<std::vector<float>>("weights", {});
  if (min_gram < 1 || max_gram < min_gram || max_skip < 0)
    throw_invalid_model(
        "min_gram_length={}, max_gram_length={}, max_skip_count={}: expected "
        "1 <= min <= max and skip >= 0",
        min_gram, max_gram, max_skip);
  if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
    throw_invalid_model("attribute mode is '{}', expected TF, IDF or TFIDF", mode);
  if (x.rank() != 1 && x.rank() != 2)
    throw_invalid_argument("input 0 has shape {}, expected [C] or [N, C]", ir::to_string(x.dims()));
  const int64_t width =
      ngram_indexes.empty() ? 0 : *std::max_element(ngram_indexes.begin(), ngram_indexes.end()) + 1;
  if (!ngram_indexes.empty() && *std::min_element(ngram_indexes.begin(), ngram_indexes.end()) < 0)
    throw_invalid_model("attribute ngram_indexes {} holds a negative index", ngram_indexes);
  if (!weights.empty() && static_cast<int64_t>(weights.size()) < width)
    throw_invalid_model("attribute weights has {} entries, expected {}", weights.size(), width);

  const int64_t rows = x.rank() == 2 ? x.dims()[0] : 1;
  const int64_t items = x.dims().back();
  ir::Tensor& y = ctx.allocate_output(0, ir::DType::F32,
                                      x.rank() == 2 ? ir::Dims{rows, width} : ir::Dims{width});
  std::vector<double> counts(static_cast<size_t>(y.numel()), 0.0);
  const GramSpec spec{min_gram, max_gram, max_skip, width};
  if (x.dtype() == ir::DType::String) {
    const auto grams =
        read_pool(ctx.attr<std::vector<std::string>>("pool_strings"), ngram_counts, ngram_indexes);
    const std::string* data = x.data<std::string>();
    count_grams(
        grams, rows, items, [&](int64_t i) { return data[i]; }, spec, counts);
  } else if (x.dtype() == ir::DType::I32 || x.dtype() == ir::DType::I64) {
    const auto grams =
        read_pool(ctx.attr<std::vector<int64_t>>("pool_int64s"), ngram_counts, ngram_indexes);
    count_grams(
        grams, rows, items, [&](int64_t i) { return x.as_int64(i); }, spec, counts);
  } else {
    throw_invalid_argument("input 0 has dtype {}, expected string, i32 or i64",
                           ir::dtype_name(x.dtype()));
  }
  float* out = y.data<float>();
  for (size_t i = 0; i < counts.size(); ++i) {
    const double w = weights.empty() ? 1.0 : weights[i % static_cast<size_t>(width)];
    if (mode == "TF")
      out[i] = static_cast<float>(counts[i]);
    else if (mode == "IDF")
      out[i] = counts[i] > 0 ? static_cast<float>(w) : 0.0f;
    else
      out[i] = static_cast<float>(counts[i] * w);
  }
}

}  // namespace

void register_tfidf_vectorizer(KernelRegistry& registry) {
  registry.add("TfIdfVectorizer", &tfidf_vectorizer);
}

}  // namespace zenith::ref
