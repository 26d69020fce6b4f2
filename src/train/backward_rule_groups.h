// The backward rules of each group of ops, by op type, one function per file
// (backward_rules_<group>.cpp); find_backward_rule's one table joins them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "train/backward_rules.h"

namespace zenith::train {

using BackwardRules = std::map<std::string, BackwardRule>;
// Per input its gradient's value ("" where not needed): what a rule returns.
using Grads = std::vector<std::string>;

// The values of the node's integer input `input` (Reduce*'s axes, Slice's starts), which
// training needs to know; throws Unsupported naming the node where the input is computed.
std::vector<int64_t> constant_integers(const BackwardContext& c, size_t input);

// LeakyRelu, Erf, Exp, Log, Sqrt, Pow, Neg, Abs, Dropout.
BackwardRules pointwise_backward_rules();
// ReduceMean, ReduceSum, LayerNormalization.
BackwardRules reduce_backward_rules();
// Gather (an embedding, a sequence position) and Slice.
BackwardRules indexing_backward_rules();
// LSTM.
BackwardRules recurrent_backward_rules();

}  // namespace zenith::train
