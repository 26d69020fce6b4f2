#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

// Pool: 1-grams {7, 8}, 2-grams {(7, 8), (8, 9)} at output indexes 0..3.
std::map<std::string, ir::Attribute> attrs(std::string mode, int64_t max_skip) {
  return {{"mode", mode},
          {"min_gram_length", int64_t{1}},
          {"max_gram_length", int64_t{2}},
          {"max_skip_count", max_skip},
          {"ngram_counts", std::vector<int64_t>{0, 2}},
          {"ngram_indexes", std::vector<int64_t>{0, 1, 2, 3}},
          {"pool_int64s", std::vector<int64_t>{7, 8, 7, 8, 8, 9}}};
}

TEST(RefTfIdfVectorizer, CountsUnigramsOnceAndBigramsPerSkip) {
  // Bigrams without skip: (7,8) (8,7) (7,9); with skip 1: (7,7) (8,9).
  const ir::Tensor x = make_tensor<int32_t>({4}, {7, 8, 7, 9});
  EXPECT_EQ(values_of<float>(run_node("TfIdfVectorizer", {x}, attrs("TF", 0))[0]),
            (std::vector<float>{2, 1, 1, 0}));
  EXPECT_EQ(values_of<float>(run_node("TfIdfVectorizer", {x}, attrs("TF", 1))[0]),
            (std::vector<float>{2, 1, 1, 1}));
}

TEST(RefTfIdfVectorizer, RowsAndIdfWeights) {
  auto a = attrs("IDF", 0);
  a["weights"] = std::vector<float>{0.5f, 1, 2, 4};
  const ir::Tensor x = make_tensor<int64_t>({2, 2}, {7, 7, 8, 9});
  auto out = run_node("TfIdfVectorizer", {x}, a);
  EXPECT_EQ(out[0].tensor().dims(), (ir::Dims{2, 4}));
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{0.5f, 0, 0, 0, 0, 1, 0, 4}));
}

TEST(RefTfIdfVectorizer, StringPool) {
  std::map<std::string, ir::Attribute> a = attrs("TFIDF", 0);
  a.erase("pool_int64s");
  a["pool_strings"] = std::vector<std::string>{"a", "b", "a", "b", "b", "c"};
  const ir::Tensor x = make_tensor<std::string>({3}, {"a", "b", "c"});
  EXPECT_EQ(values_of<float>(run_node("TfIdfVectorizer", {x}, a)[0]),
            (std::vector<float>{1, 1, 1, 1}));
}

TEST(RefTfIdfVectorizer, NgramCountsBeyondThePoolAreAnError) {
  auto a = attrs("TF", 0);
  a["ngram_counts"] = std::vector<int64_t>{0, 9};
  const std::string message =
      error_message([&] { run_node("TfIdfVectorizer", {make_tensor<int64_t>({1}, {7})}, a); },
                    Error::Kind::InvalidModel);
  EXPECT_NE(message.find("ngram_counts"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
