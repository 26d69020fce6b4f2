// What a classifier's output means: the kind of head, per-class probabilities, and the classes
// to report.
#pragma once

#include <string>
#include <vector>

#include "zenith/compiled_model.h"

namespace zenith::tools {

enum class Head {
  softmax,      // probabilities of exclusive classes
  log_softmax,  // their logarithms: exponentiated to report them
  sigmoid,     // independent probabilities: multi-label, as CheXNet's 14 findings
  logits,      // raw scores: softmax is applied to report probabilities
};

const char* to_string(Head head);

// The head of a compiled classifier: the op of its last node (after fusion, a Sigmoid may be
// computed inside the Gemm before it, but placement still lists it).
Head head_of(const std::vector<NodePlacement>& placement);

// Probabilities from one row of scores.
std::vector<float> probabilities(const float* scores, size_t classes, Head head);

struct Scored {
  size_t index;
  float probability;
};

// The `k` most probable classes, most probable first.
std::vector<Scored> top_k(const std::vector<float>& probabilities, size_t k);
// Every class above `threshold`, most probable first.
std::vector<Scored> above(const std::vector<float>& probabilities, float threshold);

// "Cardiomegaly" for index 1 of the labels, else "class 1".
std::string label_of(size_t index, const std::vector<std::string>& labels);

}  // namespace zenith::tools
