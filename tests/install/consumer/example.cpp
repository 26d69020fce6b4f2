// Runs an ONNX model with Zenith's C++ API, synchronously then asynchronously.
#include <zenith/zenith.h>

#include <algorithm>
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: example MODEL.onnx\n";
    return 2;
  }
  try {
    const zenith::Core core;
    zenith::Model model = core.read_model(argv[1]);
    zenith::Port in = model.inputs().at(0);
    for (int64_t& dim : in.shape) dim = dim < 0 ? 1 : dim;  // symbolic ("batch") -> 1
    model.reshape({{in.name, in.shape}});
    const zenith::Config config{.hint = zenith::PerformanceHint::latency, .profiling = true};
    zenith::InferRequest request = core.compile_model(model, "CPU", config).create_infer_request();

    zenith::Tensor x(in.element_type, in.shape);  // zero-filled
    float* px = x.data<float>();                  // throws Error unless the input is f32
    for (size_t i = 0; i < x.size(); ++i) px[i] = static_cast<float>(i % 7) / 7;
    request.set_input(0, x);  // not copied: x must outlive the runs that read it
    request.infer();
    const zenith::Tensor sync = request.get_output(0);  // stays valid after later runs

    request.set_callback([](std::exception_ptr failure) {  // on the stream's thread
      std::cout << (failure ? "async run failed\n" : "async run done\n");
    });
    request.start_async();
    request.wait();  // returns once the callback has; rethrows what it throws
    const zenith::Tensor y = request.get_output(0);

    std::cout << model.outputs().at(0).name << ' ' << zenith::to_string(y.element_type()) << '[';
    for (size_t d = 0; d < y.shape().size(); ++d) std::cout << (d ? "," : "") << y.shape()[d];
    std::cout << "]:";
    const float* py = y.data<float>();
    for (size_t i = 0; i < std::min<size_t>(y.size(), 5); ++i) std::cout << ' ' << py[i];
    const bool same = std::memcmp(sync.data(), y.data(), y.byte_size()) == 0;
    std::cout << "\nsync and async runs " << (same ? "agree" : "differ")
              << "; steps profiled: " << request.profiling_info().size()
              << ", arena: " << request.memory_info().arena_bytes << " bytes\n";
  } catch (const zenith::Error& e) {
    std::cerr << "example: " << zenith::to_string(e.kind()) << ": " << e.what() << '\n';
    return 1;
  }
}
