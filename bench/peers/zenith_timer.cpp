// zenith-timer: times InferRequest::infer for bench/peers/compare and broad. It loads the model,
// warms up and prints {"warmup_ms": [...]}; then each line "N" on stdin times N runs and prints
// {"ms": [...]}. Staying alive between blocks lets the driver interleave engines without
// reloading models.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/tensor_bridge.h"
#include "timing.h"
#include "tools/npy.h"
#include "zenith/zenith.h"

namespace {

// Flushed at once: the driver waits for each line before it starts the next engine.
void print_ms(std::string_view key, const std::vector<double>& ms) {
  fmt::print("{{\"{}\": [{:.4f}]}}\n", key, fmt::join(ms, ", "));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Times Zenith's InferRequest::infer on one input, in blocks read from stdin", "zenith-timer"};
  std::string model, device = "REF";
  std::vector<std::string> inputs;
  std::string precision = "f32";
  int threads = 1, warmup = 1;
  app.add_option("model", model, "the .onnx model")->required();
  // By position, so the drivers need not know Zenith's names: bench/peers/broad times models
  // with several inputs (DLRM's dense and sparse features, an ensemble's three).
  app.add_option("inputs", inputs, ".npy files fed to the model's inputs, in the model's order")->required();
  app.add_option("--device", device, "Zenith device")->capture_default_str();
  app.add_option("--threads", threads, "OpenMP threads")->capture_default_str();
  app.add_option("--warmup", warmup, "untimed runs before the first block")->capture_default_str();
  app.add_option("--precision", precision, "inference precision: f32, bf16 or auto")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    zenith::bench::set_threads(threads);
    zenith::Config config;
    config.num_threads = threads;
    config.inference_precision = zenith::parse_inference_precision(precision);
    zenith::InferRequest request = zenith::Core().compile_model(model, device, config).create_infer_request();
    for (size_t i = 0; i < inputs.size(); ++i)
      request.set_input(i, zenith::TensorAccess::from_ir(zenith::tools::read_npy(inputs[i]), inputs[i]));
    auto run = [&] { request.infer(); };
    print_ms("warmup_ms", zenith::bench::time_ms(warmup, run));
    for (int runs; std::cin >> runs;) print_ms("ms", zenith::bench::time_ms(runs, run));
  } catch (const zenith::Error& e) {
    std::cerr << "zenith-timer: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
