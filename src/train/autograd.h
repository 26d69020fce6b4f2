// Autograd over the IR: a model and a loss -> one training graph computing the loss and the
// gradient of every parameter, which any device runs as it runs any graph (DESIGN.md,
// Training). The optimizer reads the gradients and writes the parameters back.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace zenith::train {

// cross-entropy: softmax over logits [N, C] against integer class ids [N] (i64), mean over N.
// bce: binary cross-entropy with logits against 0/1 targets of the logits' dims (multi-label),
// mean over every element, optionally weighing positives per class. mse: mean squared error against
// targets of the logits' dims.
enum class Loss { CrossEntropy, BinaryCrossEntropy, MeanSquaredError };

// "cross-entropy", "bce" or "mse"; throws InvalidArgument naming `option` otherwise.
Loss parse_loss(const std::string& text, const std::string& option);

struct TrainingGraph {
  // Inputs: the model's, then `labels`, then the parameters and the state (each with its
  // initial value as its default); outputs: `loss` (an f32 scalar), the model's output, then
  // `gradients`, then the state's next values.
  ir::Graph graph;
  std::string labels;
  std::string loss;
  std::vector<std::string> parameters;  // the f32 initializers a gradient reaches, in graph order
  std::vector<std::string> gradients;   // d loss / d parameter, one per parameter
  // State a step updates besides the parameters: batch norm's running statistics, each an input
  // (its initial value the default) and the output holding its next value.
  struct Update {
    std::string input, output;
  };
  std::vector<Update> state;
};

// The training graph of `model` (one output, its logits; every input's shape fixed, as for one
// batch size) under `loss`. Throws Unsupported naming the node and op where a gradient would
// have to pass an op with no backward rule (train/backward_rules.h), InvalidArgument for a model
// with other than one output or with dims shape inference cannot tell. `positive_weights`
// (binary cross-entropy only; one per class, the last axis): each class's positive targets
// weigh that much (CheXNet's class balancing; torch's pos_weight); empty for none.
TrainingGraph build_training_graph(const ir::Graph& model, Loss loss,
                                   const std::vector<float>& positive_weights = {});

}  // namespace zenith::train
