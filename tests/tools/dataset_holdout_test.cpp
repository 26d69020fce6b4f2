// hold_out: two disjoint parts that cover the dataset, each in the dataset's order, drawn by the
// seed; fractions that leave a part empty are refused.
#include "tools/dataset_holdout.h"

#include <gtest/gtest.h>

#include <set>

#include "testing/expect_error.h"

namespace zenith::tools {
namespace {

// Sample i is labelled i: the parts' labels say which samples they hold.
class Numbered : public Dataset {
 public:
  explicit Numbered(int n) : n_(n) {}
  std::string name() const override { return "numbered"; }
  size_t size() const override { return static_cast<size_t>(n_); }
  const std::vector<std::string>& classes() const override { return classes_; }
  bool multi_label() const override { return false; }
  Tensor load(size_t, const InputLayout&) const override { return {}; }
  Image image(size_t) const override { return {}; }
  std::vector<int> labels(size_t index) const override { return {static_cast<int>(index)}; }

 private:
  int n_;
  std::vector<std::string> classes_;
};

std::vector<int> members(const Dataset& part) {
  std::vector<int> out;
  for (size_t i = 0; i < part.size(); ++i) out.push_back(part.labels(i)[0]);
  return out;
}

TEST(DatasetHoldout, PartsAreDisjointOrderedAndSeeded) {
  const auto data = std::make_shared<Numbered>(50);
  const auto [training, validation] = hold_out(data, 0.2, 7);
  ASSERT_EQ(validation->size(), 10u);
  ASSERT_EQ(training->size(), 40u);
  EXPECT_EQ(validation->name(), "numbered (validation part, 20%)");
  const std::vector<int> t = members(*training), v = members(*validation);
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
  std::set<int> all(t.begin(), t.end());
  all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 50u);                                      // disjoint and complete
  EXPECT_NE(v, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));  // drawn, not the first ten
  EXPECT_EQ(members(*hold_out(data, 0.2, 7).second), v);
  EXPECT_NE(members(*hold_out(data, 0.2, 8).second), v);
  testing::expect_error([&] { validation->labels(10); }, Error::Kind::InvalidArgument,
                        "sample 10 of 10");
}

TEST(DatasetHoldout, RefusesAnEmptyPart) {
  const auto data = std::make_shared<Numbered>(10);
  for (double f : {0.0, 1.0, 0.01, 0.99, -0.5})
    testing::expect_error([&] { hold_out(data, f, 0); }, Error::Kind::InvalidArgument,
                          "expected a fraction in (0, 1) leaving both parts of numbered (10 "
                          "samples) a sample");
}

}  // namespace
}  // namespace zenith::tools
