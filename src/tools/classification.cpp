// Classifier heads and the classes reported from them.
#include "tools/classification.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

namespace zenith::tools {

const char* to_string(Head head) {
  switch (head) {
    case Head::softmax: return "softmax";
    case Head::log_softmax: return "log-softmax";
    case Head::sigmoid: return "sigmoid (multi-label)";
    case Head::logits: return "logits (softmax applied here)";
  }
  return "?";
}

Head head_of(const std::vector<NodePlacement>& placement) {
  const std::string op = placement.empty() ? "" : placement.back().op;
  if (op == "Sigmoid") return Head::sigmoid;
  if (op == "Softmax") return Head::softmax;
  if (op == "LogSoftmax") return Head::log_softmax;
  return Head::logits;
}

std::vector<float> probabilities(const float* scores, size_t classes, Head head) {
  std::vector<float> p(scores, scores + classes);
  if (head == Head::log_softmax) {
    for (float& v : p) v = std::exp(v);
  } else if (head == Head::logits && classes > 0) {
    const float top = *std::max_element(p.begin(), p.end());
    double sum = 0;
    for (float& v : p) sum += v = std::exp(v - top);
    for (float& v : p) v = static_cast<float>(v / sum);
  }
  return p;
}

namespace {

std::vector<Scored> ranked(const std::vector<float>& p) {
  std::vector<Scored> all;
  for (size_t i = 0; i < p.size(); ++i) all.push_back({i, p[i]});
  std::stable_sort(all.begin(), all.end(), [](const Scored& a, const Scored& b) { return a.probability > b.probability; });
  return all;
}

}  // namespace

std::vector<Scored> top_k(const std::vector<float>& p, size_t k) {
  std::vector<Scored> all = ranked(p);
  all.resize(std::min(k, all.size()));
  return all;
}

std::vector<Scored> above(const std::vector<float>& p, float threshold) {
  std::vector<Scored> all = ranked(p);
  all.erase(std::find_if(all.begin(), all.end(), [&](const Scored& s) { return s.probability <= threshold; }), all.end());
  return all;
}

std::string label_of(size_t index, const std::vector<std::string>& labels) {
  return index < labels.size() && !labels[index].empty() ? labels[index] : fmt::format("class {}", index);
}

}  // namespace zenith::tools
