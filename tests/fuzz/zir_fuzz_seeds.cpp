// Writes the seed corpus of zir_fuzz into a folder: small valid .zir files, plain and
// FP16-compressed, from the graph the unit tests use, so the seeds follow the format.
#include <iostream>

#include "ir/zir_test_util.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc != 2) {
    std::cerr << "usage: zir_fuzz_seeds DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  fs::create_directories(dir);
  zenith::ir::write_zir(zenith::testing::sample_graph(16), dir / "sample.zir");
  zenith::ir::ZirOptions options;
  options.compress_fp16 = true;
  options.passes = {"constant_folding"};
  options.metadata = {{"source", "sample.onnx"}};
  zenith::ir::write_zir(zenith::testing::sample_graph(zenith::ir::kZirMinCompressedElements),
                        dir / "sample_fp16.zir", options);
  zenith::ir::write_zir(zenith::ir::Graph{}, dir / "empty.zir");
  return 0;
}
