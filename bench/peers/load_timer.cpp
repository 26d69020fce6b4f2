// zenith-load-timer: what it costs a fresh process to get its first inference out of a model
// (.onnx or .zir), phase by phase, through the public API. bench/peers/load_time runs it once per
// process and measures process start to first inference itself, from outside: that includes exec,
// dynamic linking and static initialisers, which no clock inside main() sees.
// Prints {"read_ms": ..., "compile_ms": ..., "request_ms": ..., "first_infer_ms": ...,
// "main_to_first_ms": ..., "steady_ms": ...}; steady_ms is the median of the 5 inferences after
// the first. With --reshape the model is first fixed to the input's shape, as an application
// that knows its batch does, so that compile_model compiles for it (a symbolic batch is
// otherwise compiled at the first inference).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include "runtime/tensor_bridge.h"
#include "timing.h"
#include "tools/npy.h"
#include "zenith/zenith.h"

namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const Clock::time_point main_start = Clock::now();
  CLI::App app{"Times reading, compiling and the first inference of a model in a fresh process",
               "zenith-load-timer"};
  std::string model_path, input_path, device = "CPU";
  int threads = 1;
  app.add_option("model", model_path, "the .onnx or .zir model")->required();
  app.add_option("input", input_path, ".npy file fed to the model's first input")->required();
  app.add_option("--device", device, "Zenith device")->capture_default_str();
  app.add_option("--threads", threads, "OpenMP threads")->capture_default_str();
  bool reshape = false;
  app.add_flag("--reshape", reshape, "fix the model's input to the .npy's shape before compiling");
  CLI11_PARSE(app, argc, argv);

  try {
    zenith::bench::set_threads(threads);
    zenith::Config config;
    config.num_threads = threads;
    // Read before the clock starts: the input file is the benchmark's, not part of loading a model.
    const zenith::Tensor input =
        zenith::TensorAccess::from_ir(zenith::tools::read_npy(input_path), input_path);
    const zenith::Core core;

    const Clock::time_point start = Clock::now();
    zenith::Model model = core.read_model(model_path);
    if (reshape) model.reshape(input.shape());
    const Clock::time_point read = Clock::now();
    const zenith::CompiledModel compiled = core.compile_model(model, device, config);
    const Clock::time_point compile = Clock::now();
    zenith::InferRequest request = compiled.create_infer_request();
    request.set_input(0, input);
    const Clock::time_point ready = Clock::now();
    request.infer();
    const Clock::time_point first = Clock::now();
    std::vector<double> steady;
    for (int i = 0; i < 5; ++i) {
      const Clock::time_point begin = Clock::now();
      request.infer();
      steady.push_back(ms_between(begin, Clock::now()));
    }
    std::nth_element(steady.begin(), steady.begin() + 2, steady.end());

    fmt::print(
        "{{\"read_ms\": {:.3f}, \"compile_ms\": {:.3f}, \"request_ms\": {:.3f}, "
        "\"first_infer_ms\": {:.3f}, \"main_to_first_ms\": {:.3f}, \"steady_ms\": {:.3f}}}\n",
        ms_between(start, read), ms_between(read, compile), ms_between(compile, ready),
        ms_between(ready, first), ms_between(main_start, first), steady[2]);
    // The driver stops its clock when this line arrives.
    std::fflush(stdout);
  } catch (const zenith::Error& e) {
    std::cerr << "zenith-load-timer: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
