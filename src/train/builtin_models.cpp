// The built-in models, each a function of ModelBuilder calls.
#include "train/builtin_models.h"

#include <algorithm>
#include <functional>

#include "ir/errors.h"
#include "runtime/model_impl.h"
#include "zenith/model_builder.h"

namespace zenith::train {
namespace {

using Layers = std::function<std::string(ModelBuilder&, const std::string& x)>;

std::string bn_relu(ModelBuilder& b, const std::string& x) { return b.relu(b.batch_norm(x)); }

// Two conv-BN-ReLU-pool stages and a two-layer head: Fashion-MNIST's quick baseline.
std::string small_cnn(ModelBuilder& b, const std::string& x) {
  std::string y = b.max_pool(bn_relu(b, b.conv(x, 32, 3, 1, 1)), 2, 2);
  y = b.max_pool(bn_relu(b, b.conv(y, 64, 3, 1, 1)), 2, 2);
  return b.relu(b.linear(b.flatten(y), 128));
}

// DenseNet (Huang et al. 2017) as torchvision builds it: dense layers BN-ReLU-Conv1x1 (bn_size *
// growth) -> BN-ReLU-Conv3x3 (growth), each reading the concatenation of all before it;
// transitions BN-ReLU-Conv1x1 (half the channels) -> 2x2 average pooling.
std::string dense_blocks(ModelBuilder& b, std::string x, const std::vector<int>& layers,
                         int64_t growth) {
  for (size_t block = 0; block < layers.size(); ++block) {
    std::vector<std::string> features = {x};
    for (int l = 0; l < layers[block]; ++l) {
      const std::string joined = features.size() == 1 ? features[0] : b.concat(features);
      const std::string narrow = b.conv(bn_relu(b, joined), 4 * growth, 1);
      features.push_back(b.conv(bn_relu(b, narrow), growth, 3, 1, 1));
    }
    x = b.concat(features);
    if (block + 1 < layers.size())
      x = b.average_pool(b.conv(bn_relu(b, x), b.shape(x)[1] / 2, 1), 2, 2);
  }
  return b.flatten(b.global_average_pool(bn_relu(b, x)));
}

// CheXNet's architecture scaled to 28x28: a 3x3 stem, pooled to 14x14, three dense blocks.
std::string densenet_small(ModelBuilder& b, const std::string& x) {
  const std::string stem = b.max_pool(bn_relu(b, b.conv(x, 24, 3, 1, 1)), 2, 2);
  return dense_blocks(b, stem, {4, 4, 4}, 12);
}

std::string imagenet_stem(ModelBuilder& b, const std::string& x, int64_t channels) {
  return b.max_pool(bn_relu(b, b.conv(x, channels, 7, 2, 3)), 3, 2, 1);
}

std::string densenet121(ModelBuilder& b, const std::string& x) {
  return dense_blocks(b, imagenet_stem(b, x, 64), {6, 12, 24, 16}, 32);
}

// ResNet-50 (He et al. 2016) as torchvision's v1.5: bottlenecks 1x1 -> 3x3 (the stride) -> 1x1
// (4x), a 1x1 projection where the shape changes.
std::string resnet50(ModelBuilder& b, const std::string& x) {
  std::string y = imagenet_stem(b, x, 64);
  const int blocks[] = {3, 4, 6, 3};
  for (int stage = 0; stage < 4; ++stage) {
    const int64_t width = int64_t{64} << stage;
    for (int k = 0; k < blocks[stage]; ++k) {
      const int64_t stride = stage > 0 && k == 0 ? 2 : 1;
      std::string r = bn_relu(b, b.conv(y, width, 1));
      r = bn_relu(b, b.conv(r, width, 3, stride, 1));
      r = b.batch_norm(b.conv(r, 4 * width, 1));
      const std::string shortcut = k == 0 ? b.batch_norm(b.conv(y, 4 * width, 1, stride)) : y;
      y = b.relu(b.add(r, shortcut));
    }
  }
  return b.flatten(b.global_average_pool(y));
}

struct Builtin {
  const char* name;
  Layers layers;
  Shape sample;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> list = {
      {"small-cnn", small_cnn, {1, 28, 28}},
      {"densenet-small", densenet_small, {1, 28, 28}},
      {"densenet121", densenet121, {3, 224, 224}},
      {"resnet50", resnet50, {3, 224, 224}},
  };
  return list;
}

const Builtin& find(const std::string& name) {
  for (const Builtin& m : builtins())
    if (m.name == name) return m;
  throw_invalid_argument("no built-in model '{}'; there are {}", name,
                         fmt::join(builtin_model_names(), ", "));
}

}  // namespace

const std::vector<std::string>& builtin_model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Builtin& m : builtins()) n.push_back(m.name);
    return n;
  }();
  return names;
}

bool is_builtin_model(const std::string& name) {
  const auto& names = builtin_model_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

Shape builtin_sample_shape(const std::string& name) { return find(name).sample; }

ir::Graph builtin_model(const std::string& name, int64_t classes, const Shape& sample,
                        uint64_t seed) {
  const Builtin& m = find(name);
  if (sample.size() != 3)
    throw_invalid_argument("built-in model '{}' takes [C, H, W] samples; given rank {}", name,
                           sample.size());
  ModelBuilder b(name, seed);
  const std::string features = m.layers(b, b.input("input", sample));
  b.output(b.linear(features, classes), "logits");
  return ModelAccess::graph(b.build());
}

}  // namespace zenith::train
