// zenith-matmul-ceiling: the machine's practical FP32 peak, as the GFLOP/s of oneDNN's best f32
// matmul on a large square problem. bench/peers/compare reports each model against it.
// Prints {"gflops": BEST, "ms": [EVERY RUN]}.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <oneapi/dnnl/dnnl.hpp>

#include "timing.h"

int main(int argc, char** argv) {
  CLI::App app{"GFLOP/s of a large f32 oneDNN matmul", "zenith-matmul-ceiling"};
  int threads = 1, size = 2048, runs = 10;
  app.add_option("--threads", threads, "OpenMP threads")->capture_default_str();
  app.add_option("--size", size, "M = N = K")->capture_default_str();
  app.add_option("--runs", runs, "timed runs; the best counts")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    zenith::bench::set_threads(threads);
    using memory = dnnl::memory;
    const memory::desc square({size, size}, memory::data_type::f32, memory::format_tag::ab);
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    const dnnl::matmul matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(square, square, square), engine));
    memory a(square, engine), b(square, engine), c(square, engine);
    // Non-zero operands: some CPUs run faster on zeros (and denormals would run slower).
    for (memory* m : {&a, &b})
      std::fill_n(static_cast<float*>(m->get_data_handle()), int64_t{size} * size, 0.5f);
    auto run = [&] {
      matmul.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
      stream.wait();
    };
    run();  // first run: oneDNN's JIT and page faults
    const std::vector<double> ms = zenith::bench::time_ms(runs, run);
    const double best = *std::min_element(ms.begin(), ms.end());
    fmt::print("{{\"gflops\": {:.2f}, \"ms\": [{:.3f}]}}\n", 2.0 * size * size * size / (best * 1e6),
               fmt::join(ms, ", "));
  } catch (const dnnl::error& e) {
    std::cerr << "zenith-matmul-ceiling: oneDNN: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
