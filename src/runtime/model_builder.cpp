// ModelBuilder: layers appended to an ir::Graph in the IR's canonical (ONNX opset 17) form, each
// output's dims tracked so that the next layer can size its parameters.
#include "zenith/model_builder.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "frontend/onnx/model_writer.h"
#include "ir/errors.h"
#include "runtime/model_impl.h"

namespace zenith {

struct ModelBuilder::Impl {
  ir::Graph graph;
  std::map<std::string, Shape> dims;  // per value, the batch -1
  std::mt19937_64 rng;
  int64_t layers = 0;

  const Shape& dims_of(const std::string& x, const char* layer, size_t rank = 0) const {
    const auto it = dims.find(x);
    if (it == dims.end())
      throw_invalid_argument("{}: '{}' is not a value of model '{}'", layer, x, graph.name);
    if (rank && it->second.size() != rank)
      throw_invalid_argument("{}: '{}' has rank {}; the layer takes rank {}", layer, x,
                             it->second.size(), rank);
    return it->second;
  }

  std::string name(const char* op) { return fmt::format("{}_{}", op, ++layers); }

  void check_outputs() const {
    if (graph.outputs.empty())
      throw_invalid_argument("model '{}' has no output: call output()", graph.name);
  }

  // A node `op` named `node` reading `inputs`, its output `node` with dims `out`.
  std::string add(const std::string& op, const std::string& node, std::vector<std::string> inputs,
                  Shape out, std::map<std::string, ir::Attribute> attributes = {},
                  size_t extra_outputs = 0) {
    ir::Node n{node, op, "", std::move(inputs), {node}, std::move(attributes)};
    for (size_t k = 1; k <= extra_outputs; ++k) n.outputs.push_back(fmt::format("{}.{}", node, k));
    graph.nodes.push_back(std::move(n));
    dims[node] = std::move(out);
    return node;
  }

  // Uniform in [0, 1) from the generator's bits: the same numbers on every platform.
  double uniform() { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

  std::string parameter(const std::string& name, const ir::Dims& d, double low, double high) {
    ir::Tensor t(ir::DType::F32, d);
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i)
      p[i] = static_cast<float>(low + (high - low) * uniform());
    graph.initializers[name] = std::move(t);
    return name;
  }

  std::string he_normal(const std::string& name, const ir::Dims& d, int64_t fan_in) {
    ir::Tensor t(ir::DType::F32, d);
    float* p = t.data<float>();
    const double deviation = std::sqrt(2.0 / static_cast<double>(fan_in));
    for (int64_t i = 0; i < t.numel(); ++i) {  // Box-Muller
      const double r = std::sqrt(-2.0 * std::log(1.0 - uniform()));
      p[i] = static_cast<float>(deviation * r * std::cos(2.0 * M_PI * uniform()));
    }
    graph.initializers[name] = std::move(t);
    return name;
  }

  std::string filled(const std::string& name, int64_t n, float value) {
    ir::Tensor t(ir::DType::F32, {n});
    std::fill_n(t.data<float>(), n, value);
    graph.initializers[name] = std::move(t);
    return name;
  }

  Shape pooled(const std::string& x, const char* layer, int64_t kernel, int64_t stride,
               int64_t padding, int64_t dilation = 1) const {
    Shape out = dims_of(x, layer, 4);
    for (size_t a = 2; a < 4; ++a) {
      out[a] = (out[a] + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
      if (out[a] <= 0 || kernel <= 0 || stride <= 0 || padding < 0)
        throw_invalid_argument("{}: kernel {} stride {} padding {} leave nothing of '{}' ({} x {})",
                               layer, kernel, stride, padding, x, dims_of(x, layer)[2],
                               dims_of(x, layer)[3]);
    }
    return out;
  }
};

namespace {

std::vector<int64_t> pair(int64_t v) { return {v, v}; }
std::vector<int64_t> quad(int64_t v) { return {v, v, v, v}; }

}  // namespace

ModelBuilder::ModelBuilder(const std::string& name, uint64_t seed) : impl_(new Impl) {
  impl_->graph.name = name;
  impl_->graph.source = name;
  impl_->rng.seed(seed);
}
ModelBuilder::~ModelBuilder() = default;
ModelBuilder::ModelBuilder(ModelBuilder&&) noexcept = default;
ModelBuilder& ModelBuilder::operator=(ModelBuilder&&) noexcept = default;

std::string ModelBuilder::input(const std::string& name, const Shape& sample) {
  if (impl_->dims.count(name)) throw_invalid_argument("input: '{}' already exists", name);
  ir::Shape shape = {ir::Dim::named("batch")};
  Shape dims = {-1};
  for (int64_t d : sample) {
    if (d <= 0) throw_invalid_argument("input '{}': dimension {} must be positive", name, d);
    shape.push_back(d);
    dims.push_back(d);
  }
  impl_->graph.inputs.push_back({name, ir::TypeInfo::tensor(ir::DType::F32, shape)});
  impl_->dims[name] = dims;
  return name;
}

std::string ModelBuilder::conv(const std::string& x, int64_t out_channels, int64_t kernel,
                               int64_t stride, int64_t padding, int64_t groups, bool bias) {
  Impl& m = *impl_;
  const std::string node = m.name("conv");
  Shape out = m.pooled(x, node.c_str(), kernel, stride, padding);
  const int64_t in = m.dims_of(x, node.c_str())[1];
  if (groups <= 0 || in % groups || out_channels <= 0 || out_channels % groups)
    throw_invalid_argument("{}: {} input and {} output channels do not split into {} groups", node,
                           in, out_channels, groups);
  out[1] = out_channels;
  const int64_t fan_in = in / groups * kernel * kernel;
  std::vector<std::string> inputs = {
      x, m.he_normal(node + ".weight", {out_channels, in / groups, kernel, kernel}, fan_in)};
  if (bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    inputs.push_back(m.parameter(node + ".bias", {out_channels}, -bound, bound));
  }
  return m.add("Conv", node, std::move(inputs), out,
               {{"kernel_shape", pair(kernel)},
                {"strides", pair(stride)},
                {"pads", quad(padding)},
                {"group", groups}});
}

std::string ModelBuilder::batch_norm(const std::string& x) {
  Impl& m = *impl_;
  const std::string node = m.name("batch_norm");
  const Shape& d = m.dims_of(x, node.c_str());
  if (d.size() < 2) throw_invalid_argument("{}: '{}' has no channel axis", node, x);
  const int64_t c = d[1];
  // ONNX's momentum weighs the running value (PyTorch's 0.1 weighs the batch's).
  return m.add(
      "BatchNormalization", node,
      {x, m.filled(node + ".weight", c, 1.0f), m.filled(node + ".bias", c, 0.0f),
       m.filled(node + ".running_mean", c, 0.0f), m.filled(node + ".running_var", c, 1.0f)},
      d, {{"epsilon", 1e-5f}, {"momentum", 0.9f}, {"training_mode", int64_t{1}}}, 2);
}

std::string ModelBuilder::relu(const std::string& x) {
  Impl& m = *impl_;
  const std::string node = m.name("relu");
  return m.add("Relu", node, {x}, m.dims_of(x, node.c_str()));
}

std::string ModelBuilder::sigmoid(const std::string& x) {
  Impl& m = *impl_;
  const std::string node = m.name("sigmoid");
  return m.add("Sigmoid", node, {x}, m.dims_of(x, node.c_str()));
}

std::string ModelBuilder::max_pool(const std::string& x, int64_t kernel, int64_t stride,
                                   int64_t padding) {
  Impl& m = *impl_;
  const std::string node = m.name("max_pool");
  return m.add(
      "MaxPool", node, {x}, m.pooled(x, node.c_str(), kernel, stride, padding),
      {{"kernel_shape", pair(kernel)}, {"strides", pair(stride)}, {"pads", quad(padding)}});
}

std::string ModelBuilder::average_pool(const std::string& x, int64_t kernel, int64_t stride) {
  Impl& m = *impl_;
  const std::string node = m.name("average_pool");
  return m.add("AveragePool", node, {x}, m.pooled(x, node.c_str(), kernel, stride, 0),
               {{"kernel_shape", pair(kernel)}, {"strides", pair(stride)}});
}

std::string ModelBuilder::global_average_pool(const std::string& x) {
  Impl& m = *impl_;
  const std::string node = m.name("global_average_pool");
  Shape out = m.dims_of(x, node.c_str(), 4);
  out[2] = out[3] = 1;
  return m.add("GlobalAveragePool", node, {x}, out);
}

std::string ModelBuilder::flatten(const std::string& x) {
  Impl& m = *impl_;
  const std::string node = m.name("flatten");
  const Shape& d = m.dims_of(x, node.c_str());
  int64_t rest = 1;
  for (size_t a = 1; a < d.size(); ++a) rest *= d[a];
  return m.add("Flatten", node, {x}, {d[0], rest}, {{"axis", int64_t{1}}});
}

std::string ModelBuilder::linear(const std::string& x, int64_t out_features) {
  Impl& m = *impl_;
  const std::string node = m.name("linear");
  const int64_t in = m.dims_of(x, node.c_str(), 2)[1];
  if (out_features <= 0)
    throw_invalid_argument("{}: {} output features must be positive", node, out_features);
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  return m.add("Gemm", node,
               {x, m.parameter(node + ".weight", {out_features, in}, -bound, bound),
                m.parameter(node + ".bias", {out_features}, -bound, bound)},
               {-1, out_features}, {{"transB", int64_t{1}}});
}

std::string ModelBuilder::concat(const std::vector<std::string>& xs) {
  Impl& m = *impl_;
  const std::string node = m.name("concat");
  if (xs.empty()) throw_invalid_argument("{}: nothing to concatenate", node);
  Shape out = m.dims_of(xs[0], node.c_str());
  for (size_t i = 1; i < xs.size(); ++i) {
    const Shape& d = m.dims_of(xs[i], node.c_str(), out.size());
    for (size_t a = 2; a < d.size(); ++a)
      if (d[a] != out[a])
        throw_invalid_argument("{}: '{}' and '{}' differ in dimension {} ({} vs {})", node, xs[0],
                               xs[i], a, out[a], d[a]);
    out[1] += d[1];
  }
  return m.add("Concat", node, xs, out, {{"axis", int64_t{1}}});
}

std::string ModelBuilder::add(const std::string& a, const std::string& b) {
  Impl& m = *impl_;
  const std::string node = m.name("add");
  const Shape& d = m.dims_of(a, node.c_str());
  if (m.dims_of(b, node.c_str()) != d)
    throw_invalid_argument("{}: '{}' and '{}' differ in shape", node, a, b);
  return m.add("Add", node, {a, b}, d);
}

void ModelBuilder::output(const std::string& x, const std::string& name) {
  Impl& m = *impl_;
  const Shape d = m.dims_of(x, "output");
  const std::string out = name.empty() ? x : name;
  if (out != x) {
    if (m.dims.count(out)) throw_invalid_argument("output: '{}' already exists", out);
    for (ir::Node& n : m.graph.nodes) {
      std::replace(n.inputs.begin(), n.inputs.end(), x, out);
      std::replace(n.outputs.begin(), n.outputs.end(), x, out);
    }
    for (auto* values : {&m.graph.inputs, &m.graph.outputs})
      for (ir::ValueInfo& v : *values)
        if (v.name == x) v.name = out;
    m.dims.erase(x);
    m.dims[out] = d;
  }
  ir::Shape shape = {ir::Dim::named("batch")};
  shape.insert(shape.end(), d.begin() + 1, d.end());
  m.graph.outputs.push_back({out, ir::TypeInfo::tensor(ir::DType::F32, shape)});
}

Shape ModelBuilder::shape(const std::string& x) const { return impl_->dims_of(x, "shape"); }

Model ModelBuilder::build() const {
  impl_->check_outputs();
  return Model(std::make_shared<Model::Impl>(impl_->graph));
}

void ModelBuilder::save(const std::filesystem::path& path) const {
  impl_->check_outputs();
  onnx_frontend::write_model(impl_->graph, path);
}

}  // namespace zenith
