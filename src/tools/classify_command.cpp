// `zenith classify`: the image classification sample. Decodes JPEG and PNG images, resizes and
// normalizes them into batches, runs them synchronously or on N asynchronous requests (each
// callback starts its request on the next batch, as OpenVINO's classification_sample_async
// does), and prints each image's most probable classes, or for a multi-label (sigmoid) model
// every finding above a threshold.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>

#include "ir/errors.h"
#include "tools/classification.h"
#include "tools/cli_util.h"
#include "tools/image.h"
#include "tools/input_tensor.h"
#include "zenith/zenith.h"

namespace zenith::tools {
namespace {

struct ClassifyOptions {
  std::string model;
  std::vector<std::string> images;
  std::string device = "CPU";
  int async = 0;  // requests in flight; 0: synchronous
  bool per_layer = false;
  std::string labels;
  int top = 5;
  float threshold = 0.5f;
  std::string mean = kImageNetMean;
  std::string scale = kImageNetScale;
  std::string size;  // HxW; default: the model's, else 224x224
  std::string precision;  // "": the .zir's, else f32
  int batch = 0;     // images per inference; 0: the model's batch dim, else 1
};

// The layout every image is brought to: [batch, channels, height, width] f32, channels 3 (RGB)
// or 1 (luma: a grayscale model's, such as one trained on Fashion-MNIST).
struct BatchLayout {
  std::string name;
  int64_t batch, channels, height, width;
  bool batch_fixed;
};

BatchLayout input_layout(const CompiledModel& compiled, const ClassifyOptions& options) {
  const Port& port = compiled.inputs().at(0);
  if (compiled.inputs().size() != 1 || port.element_type != ElementType::f32 ||
      port.shape.size() != 4 || (port.shape[1] >= 0 && port.shape[1] != 3 && port.shape[1] != 1))
    throw_invalid_argument(
        "classify takes a model with one f32 input of shape [N,3,H,W] (or [N,1,H,W]: gray); its "
        "first input '{}' is {}",
        port.name, to_string(port));
  BatchLayout layout{port.name,     port.shape[0], port.shape[1] == 1 ? 1 : 3,
                     port.shape[2], port.shape[3], port.shape[0] >= 0};
  if (!options.size.empty()) {
    const size_t x = options.size.find('x');
    try {
      if (x == std::string::npos) throw std::invalid_argument(options.size);
      layout.height = std::stol(options.size.substr(0, x));
      layout.width = std::stol(options.size.substr(x + 1));
    } catch (const std::exception&) {
      throw_invalid_argument("--size '{}': expected HxW, e.g. 224x224", options.size);
    }
  }
  if (layout.height <= 0 || layout.width <= 0) layout.height = layout.width = 224;
  if (options.batch > 0) layout.batch = options.batch;
  if (layout.batch <= 0) layout.batch = 1;
  return layout;
}

// The images, decoded, resized and normalized into batches of `layout.batch` (the last one
// padded by repeating its last image when the model's batch is fixed).
std::vector<Tensor> make_batches(const ClassifyOptions& options, const BatchLayout& layout) {
  const InputLayout sample{layout.channels, layout.height, layout.width,
                           parse_channel_values(options.mean, "--mean"),
                           parse_channel_values(options.scale, "--scale")};
  const size_t per_image = static_cast<size_t>(layout.channels * layout.height * layout.width);
  const auto n = static_cast<int64_t>(options.images.size());
  std::vector<Tensor> batches;
  for (int64_t first = 0; first < n; first += layout.batch) {
    const int64_t count = std::min(layout.batch, n - first);
    Tensor batch(ElementType::f32, {layout.batch_fixed ? layout.batch : count, layout.channels,
                                    layout.height, layout.width});
    for (int64_t i = 0; i < batch.shape()[0]; ++i) {
      const std::string& path = options.images[static_cast<size_t>(first + std::min(i, count - 1))];
      const Tensor one = to_input_tensor(read_image(path), sample, path);
      std::copy_n(one.data<float>(), per_image, batch.data<float>() + i * per_image);
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

// Runs every batch on `requests` (one: synchronously), keeping each batch's first output.
std::vector<Tensor> run_batches(std::vector<InferRequest>& requests, const std::vector<Tensor>& batches, bool async) {
  std::vector<Tensor> outputs(batches.size());
  if (!async) {
    for (size_t b = 0; b < batches.size(); ++b) {
      requests[0].set_input(0, batches[b]);
      requests[0].infer();
      outputs[b] = requests[0].get_output(0);
    }
    return outputs;
  }
  std::atomic<size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr failure;
  for (InferRequest& request : requests) {
    const size_t b = next++;
    if (b >= batches.size()) break;
    // The callback owns the request's place in the loop: it stores the batch just run, then
    // starts the request on the next one.
    auto current = std::make_shared<size_t>(b);
    request.set_callback([&, current, request](std::exception_ptr error) mutable {
      if (error) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        failure = error;
        return;
      }
      outputs[*current] = request.get_output(0);
      *current = next++;
      if (*current >= batches.size()) return;
      request.set_input(0, batches[*current]);
      request.start_async();
    });
    request.set_input(0, batches[b]);
    request.start_async();
  }
  for (InferRequest& request : requests) request.wait();
  for (InferRequest& request : requests) request.set_callback(nullptr);  // drops their copies of `request`
  if (failure) std::rethrow_exception(failure);
  return outputs;
}

void print_results(const ClassifyOptions& options, const std::vector<Tensor>& outputs,
                   const BatchLayout& layout, Head head) {
  if (outputs.front().shape().size() != 2)
    throw_invalid_argument("classify: the model's output is {}-D, expected [N, classes]",
                           outputs.front().shape().size());
  const auto classes = static_cast<size_t>(outputs.front().shape()[1]);
  const std::vector<std::string> labels = labels_for(options.labels, static_cast<int64_t>(classes));
  if (options.labels.empty() && !labels.empty())
    std::cout << "class names: ImageNet's (built in; --labels FILE for others)\n";
  for (size_t i = 0; i < options.images.size(); ++i) {
    const Tensor& out = outputs[i / static_cast<size_t>(layout.batch)];
    const std::vector<float> p =
        probabilities(out.data<float>() + (i % static_cast<size_t>(layout.batch)) * classes, classes, head);
    std::cout << fmt::format("{}\n", options.images[i]);
    if (head == Head::sigmoid) {
      const std::vector<Scored> found = above(p, options.threshold);
      if (found.empty()) {
        const Scored best = top_k(p, 1).at(0);
        std::cout << fmt::format("  no finding above {:.2f} (highest: {} {:.4f})\n", options.threshold,
                                 label_of(best.index, labels), best.probability);
      }
      for (const Scored& s : found)
        std::cout << fmt::format("  {:<24} {:.4f}\n", label_of(s.index, labels), s.probability);
      continue;
    }
    for (const Scored& s : top_k(p, static_cast<size_t>(options.top)))
      std::cout << fmt::format("  {:<24} {:.4f}  (class {})\n", label_of(s.index, labels), s.probability, s.index);
  }
}

int classify(const ClassifyOptions& options) {
  const Core core;
  Config config;
  config.profiling = options.per_layer;
  if (options.async > 0) config.hint = PerformanceHint::throughput;
  config.inference_precision = model_precision(options.model, options.precision);
  const CompiledModel compiled = core.compile_model(options.model, options.device, config);
  const BatchLayout layout = input_layout(compiled, options);
  const std::vector<Tensor> batches = make_batches(options, layout);
  const Head head = head_of(compiled.placement());
  std::vector<InferRequest> requests;
  for (int i = 0; i < std::max(options.async, 1); ++i) requests.push_back(compiled.create_infer_request());

  const auto start = std::chrono::steady_clock::now();
  const std::vector<Tensor> outputs = run_batches(requests, batches, options.async > 0);
  const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;

  std::cout << fmt::format("{} on {}: {} image{} in batches of {}, {}x{}; head: {}\n", options.model, options.device,
                           options.images.size(), options.images.size() == 1 ? "" : "s", layout.batch, layout.height,
                           layout.width, to_string(head));
  print_results(options, outputs, layout, head);
  std::cout << fmt::format("{} batch{} in {:.1f} ms ({}): {:.1f} images/s, including the first run's kernel choice\n",
                           batches.size(), batches.size() == 1 ? "" : "es", ms.count(),
                           options.async > 0 ? fmt::format("async, {} requests", options.async) : "sync",
                           1000.0 * static_cast<double>(options.images.size()) / ms.count());
  if (options.per_layer) {
    std::cout << "per-layer counters of the last run of request 0:\n";
    print_profile(std::cout, requests[0].profiling_info(), requests[0].memory_info());
  }
  return 0;
}

}  // namespace

Command add_classify_command(CLI::App& app) {
  auto options = std::make_shared<ClassifyOptions>();
  CLI::App* sub = app.add_subcommand("classify", "Classify JPEG and PNG images (sync or async requests)");
  sub->add_option("-m,--model", options->model,
                  "Model file (.onnx or .zir) with one input [N,3,H,W] (or [N,1,H,W]: gray)")
      ->required();
  sub->add_option("-i,--images", options->images, "Images (JPEG or PNG)")->required();
  sub->add_option("-d,--device", options->device, "Device (CPU, REF, HETERO:CPU,REF)")->default_str(options->device);
  sub->add_option("--async", options->async, "Run on N asynchronous requests (0: synchronously)")
      ->default_str("0")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--pc", options->per_layer, "Print per-layer counters: each step's device, kernels and time");
  sub->add_option("--labels", options->labels, "Class labels, one per line");
  sub->add_option("--top", options->top, "Classes to print per image (softmax models)")
      ->default_str("5")
      ->check(CLI::PositiveNumber);
  sub->add_option("--threshold", options->threshold, "Print findings above this probability (sigmoid models)")
      ->default_str("0.5");
  sub->add_option("--mean", options->mean, "Per-channel mean R,G,B subtracted from pixels (0-255)")
      ->default_str(options->mean);
  sub->add_option("--scale", options->scale, "Per-channel divisor R,G,B applied after the mean")
      ->default_str(options->scale);
  sub->add_option("--size", options->size, "Resize images to HxW (default: the model's, else 224x224)");
  add_precision_option(*sub, options->precision);
  sub->add_option("--batch", options->batch, "Images per inference (default: the model's batch, else 1)")
      ->check(CLI::NonNegativeNumber);
  return {sub, [options] { return classify(*options); }};
}

}  // namespace zenith::tools
