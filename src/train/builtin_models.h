// The models `zenith train --model NAME` builds with ModelBuilder (include/zenith/model_builder.h)
// instead of reading a file: a small CNN and a small DenseNet for 28x28 images, DenseNet-121 and
// ResNet-50 as torchvision defines them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "zenith/tensor.h"

namespace zenith::train {

// "small-cnn", "densenet-small", "densenet121", "resnet50".
const std::vector<std::string>& builtin_model_names();
bool is_builtin_model(const std::string& name);
// The sample shape a built-in model takes unless told otherwise: [1, 28, 28] for the small ones,
// [3, 224, 224] for the others.
Shape builtin_sample_shape(const std::string& name);

// Built-in model `name` for inputs [batch, sample...] and `classes` outputs (logits), in training
// form (batch norm in training mode), its parameters drawn from `seed`. Its input is "input",
// its output "logits". Throws InvalidArgument for an unknown name (listing the names) or a
// sample shape the model cannot take.
ir::Graph builtin_model(const std::string& name, int64_t classes, const Shape& sample,
                        uint64_t seed);

}  // namespace zenith::train
