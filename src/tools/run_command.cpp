// `zenith run`: runs a model once or more on given or random inputs and summarizes the outputs.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "ir/errors.h"
#include "runtime/tensor_bridge.h"
#include "tools/cli_util.h"
#include "tools/npy.h"
#include "tools/random_fill.h"
#include "zenith/zenith.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

struct RunCommandOptions {
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE.npy
  std::string outdir;
  std::string device = "CPU";
  int threads = 0;  // 0: all cores
  uint64_t seed = 0;
  int repeat = 1;
  int top = 0;
  std::string labels;
  bool profile = false;
  std::string precision;  // "": the .zir's, else f32
};

// Checks a tensor from a file against the input's declared type, naming both.
void check_input(const Port& input, const ir::Tensor& tensor, const std::string& file) {
  const std::optional<ElementType> type = runtime::to_element_type(tensor.dtype());
  if (!type || *type != input.element_type)
    throw_invalid_argument("input '{}': {} has dtype {}, the model expects {}", input.name, file,
                           ir::dtype_name(tensor.dtype()), to_string(input));
  bool matches = !input.has_shape || input.shape.size() == tensor.dims().size();
  for (size_t i = 0; matches && input.has_shape && i < tensor.dims().size(); ++i)
    matches = input.shape[i] < 0 || input.shape[i] == tensor.dims()[i];
  if (!matches)
    throw_invalid_argument("input '{}': {} has shape {}, the model expects {}", input.name, file,
                           ir::to_string(tensor.dims()), to_string(input));
}

// The inputs: from -i files, else seeded random data of the declared shape.
std::map<std::string, ir::Tensor> make_feeds(const Model& model, const RunCommandOptions& options) {
  std::map<std::string, ir::Tensor> feeds;
  for (const std::string& spec : options.inputs) {
    const auto [name, file] = split_assignment(spec, "-i", "NAME=FILE.npy");
    const Port& input = model.input(name);
    if (feeds.count(name)) throw_invalid_argument("input '{}' is given twice with -i", name);
    ir::Tensor tensor = read_npy(file);
    check_input(input, tensor, file);
    std::cout << fmt::format("input '{}': {}{} from {}\n", name, ir::dtype_name(tensor.dtype()),
                             ir::to_string(tensor.dims()), file);
    feeds.emplace(name, std::move(tensor));
  }
  for (const Port& input : model.inputs()) {
    if (feeds.count(input.name)) continue;
    if (!input.has_shape)
      throw_invalid_argument("input '{}' ({}) has no declared shape to make random data for; give it with -i {}=FILE.npy",
                             input.name, to_string(input), input.name);
    std::vector<std::string> notes;
    ir::Shape shape;
    for (size_t i = 0; i < input.shape.size(); ++i)
      shape.push_back(input.shape[i] >= 0 ? ir::Dim(input.shape[i]) : ir::Dim::named(input.dim_names[i]));
    const ir::Dims dims = concrete_dims(shape, notes);
    const ir::DType dtype = runtime::to_dtype(input.element_type);
    ir::Tensor tensor = random_tensor(dtype, dims, options.seed, input.name);
    std::string note = fmt::format("seed {}", options.seed);
    for (const std::string& n : notes) note += "; " + n;
    std::cout << fmt::format("input '{}': random {}{} ({})\n", input.name, ir::dtype_name(dtype),
                             ir::to_string(dims), note);
    feeds.emplace(input.name, std::move(tensor));
  }
  return feeds;
}

// One file name per output: sanitized, made unique by a suffix when two names collide.
std::string unique_file_name(const std::string& name, std::set<std::string>& used) {
  const std::string base = sanitize_file_name(name);
  std::string candidate = base;
  for (int i = 1; !used.insert(candidate).second; ++i) candidate = fmt::format("{}_{}", base, i);
  return candidate + ".npy";
}

void report_outputs(const std::vector<Port>& ports, const std::vector<ir::Tensor>& outputs,
                    const std::string& outdir) {
  if (!outdir.empty()) {
    std::error_code ec;
    fs::create_directories(outdir, ec);
    if (ec) throw_invalid_argument("{}: cannot create the output folder: {}", outdir, ec.message());
  }
  std::vector<std::vector<std::string>> rows = {{"output", "dtype", "shape", "min", "max", "mean"}};
  if (!outdir.empty()) rows[0].push_back("file");
  std::set<std::string> used;
  auto add_row = [&](const std::string& name, const ir::Tensor& t) {
    std::vector<std::string> row = {name, std::string(ir::dtype_name(t.dtype())),
                                    ir::to_string(t.dims())};
    for (std::string& cell : stats_cells(t)) row.push_back(std::move(cell));
    if (!outdir.empty()) {
      if (t.dtype() == ir::DType::String || t.dtype() == ir::DType::BF16) {
        row.push_back("(no .npy dtype)");
      } else {
        const fs::path path = fs::path(outdir) / unique_file_name(name, used);
        write_npy(path, t);
        row.push_back(path.string());
      }
    }
    rows.push_back(std::move(row));
  };
  for (size_t i = 0; i < outputs.size(); ++i) add_row(ports[i].name, outputs[i]);
  print_table(std::cout, rows);
}

int run(const RunCommandOptions& options) {
  const Core core;
  Model model = core.read_model(options.model);
  std::map<std::string, ir::Tensor> feeds;
  try {
    feeds = make_feeds(model, options);
  } catch (const Error& e) {
    rethrow_with_context(e, options.model + ": ");
  }
  // Symbolic dims fixed to the inputs', so that compiling for them (kernels chosen, weights
  // packed) happens here, not in the first timed run, and the placement shown is the one run.
  std::map<std::string, Shape> shapes;
  for (const Port& port : model.inputs()) {
    const ir::Dims& dims = feeds.at(port.name).dims();
    if (port.has_shape && port.shape.size() == dims.size() &&
        std::find(port.shape.begin(), port.shape.end(), int64_t{-1}) != port.shape.end())
      shapes[port.name] = Shape(dims.begin(), dims.end());
  }
  if (!shapes.empty()) model.reshape(shapes);
  Config config;
  config.num_threads = options.threads;
  config.profiling = options.profile;
  config.random_seed = options.seed;
  config.inference_precision = model_precision(options.model, options.precision);
  const CompiledModel compiled = core.compile_model(model, options.device, config);
  if (config.inference_precision != InferencePrecision::f32)
    std::cout << fmt::format("precision {} on {}: nodes computing in each: {}\n",
                             to_string(config.inference_precision), options.device,
                             precision_counts(compiled.placement()));
  InferRequest request = compiled.create_infer_request();
  for (const auto& [name, tensor] : feeds)
    request.set_input(name, TensorAccess::from_ir(tensor, "input '" + name + "'"));
  std::vector<double> times_ms;
  for (int i = 0; i < options.repeat; ++i) {
    const auto start = std::chrono::steady_clock::now();
    request.infer();
    const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    times_ms.push_back(elapsed.count());
  }
  if (options.profile) print_profile(std::cout, request.profiling_info(), request.memory_info());
  std::vector<ir::Tensor> outputs;
  for (size_t i = 0; i < compiled.outputs().size(); ++i) outputs.push_back(TensorAccess::to_ir(request.get_output(i)));
  report_outputs(compiled.outputs(), outputs, options.outdir);
  if (options.top > 0) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const ir::Dims& dims = outputs[i].dims();
      print_top_k(std::cout, compiled.outputs()[i].name, outputs[i], options.top,
                  labels_for(options.labels, dims.empty() ? 0 : dims.back()));
    }
  }
  // The first run also builds the kernels for these shapes: it is reported apart from the rest.
  const double first = times_ms.front();
  std::vector<double> steady(times_ms.begin() + (times_ms.size() > 1 ? 1 : 0), times_ms.end());
  std::sort(steady.begin(), steady.end());
  const size_t n = steady.size();
  const double median = n % 2 ? steady[n / 2] : (steady[n / 2 - 1] + steady[n / 2]) / 2;
  if (times_ms.size() == 1)
    std::cout << fmt::format("time per inference on {}: {:.3f} ms (one run, which also built the kernels; "
                             "--repeat N times the runs after it)",
                             options.device, first);
  else
    std::cout << fmt::format("time per inference on {}: {:.3f} ms (median of {} run{} after a first one of "
                             "{:.3f} ms that built the kernels)",
                             options.device, median, n, n == 1 ? "" : "s", first);
  // When every input carries the same leading dim > 1 it is a batch: say so, and per item.
  std::optional<int64_t> batch;
  for (const auto& [name, tensor] : feeds) {
    const int64_t b = tensor.rank() > 0 ? tensor.dim(0) : 0;
    batch = !batch || *batch == b ? std::optional<int64_t>(b) : std::optional<int64_t>(0);
  }
  if (batch && *batch > 1)
    std::cout << fmt::format("; batch {}: {:.3f} ms per item", *batch, median / static_cast<double>(*batch));
  std::cout << '\n';
  return 0;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* sub = app.add_subcommand("run", "Run a model on .npy or seeded random inputs");
  sub->add_option("model", options->model, "Model file (.onnx or .zir)")->required();
  sub->add_option("-i,--input", options->inputs,
                  "Input as NAME=FILE.npy (repeatable); inputs not given get random data");
  sub->add_option("-o,--outdir", options->outdir, "Write each output to OUTDIR/<name>.npy");
  sub->add_option(
         "-d,--device", options->device,
         fmt::format("Device to run on ({})", fmt::join(Core().available_devices(), ", ")))
      ->default_str(options->device);
  sub->add_option("-t,--threads", options->threads, "Threads for the CPU device (0: all cores)")
      ->default_str("0")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--seed", options->seed, "Seed for random inputs and random ops")
      ->default_str("0");
  sub->add_option("--repeat", options->repeat,
                  "Runs to time: the first, which builds the kernels, then the median of the rest")
      ->default_str("1")
      ->check(CLI::PositiveNumber);
  sub->add_option("--top", options->top, "Print the K highest scores of each [N, C] output")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--labels", options->labels, "Class labels for --top, one per line");
  add_precision_option(*sub, options->precision);
  sub->add_flag("-p,--profile", options->profile,
                "Print each step's device, kernels, layout and time in the last run, and its memory");
  return {sub, [options] { return run(*options); }};
}

}  // namespace zenith::tools
