// The backward rule of each op autograd differentiates: the nodes that compute the gradients of
// a node's inputs from the gradients of its outputs (DESIGN.md: one rule per op).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "train/gradient_builder.h"

namespace zenith::train {

// What a rule is given: the node, each output's gradient ("" where none flows), and which
// inputs need one (those that parameters influence, among the rule's differentiable ones).
struct BackwardContext {
  const ir::Node& node;
  const std::vector<std::string>& dy;
  const std::vector<bool>& need;
  GradientBuilder& b;
};

// Returns per input its gradient's value ("" where not needed).
using BackwardFn = std::vector<std::string> (*)(const BackwardContext& c);

struct BackwardRule {
  std::vector<size_t> differentiable;  // the inputs a gradient flows to
  BackwardFn fn;
  bool every_input = false;  // a variadic op's (Concat): all of them instead
  bool differentiates(size_t input) const {
    return every_input ||
           std::find(differentiable.begin(), differentiable.end(), input) != differentiable.end();
  }
};

// The rule for `node`'s op, or nullptr if autograd cannot differentiate it.
const BackwardRule* find_backward_rule(const ir::Node& node);

}  // namespace zenith::train
