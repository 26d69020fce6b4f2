// Turning a decoded image into one sample of a model's input, as an InputLayout describes it.
#pragma once

#include <string>

#include "tools/dataset.h"
#include "tools/image.h"

namespace zenith::tools {

// `image` resized to the layout's size (when it differs) and written as [1, C, H, W] f32.
// With one channel a pixel is its luma, as PIL's convert("L") computes it, which leaves a gray
// image's values unchanged. Throws InvalidArgument starting with `name` if the layout's channels
// are not 1 or 3, its size is not positive, or a scale is zero.
Tensor to_input_tensor(const Image& image, const InputLayout& layout, const std::string& name);

}  // namespace zenith::tools
