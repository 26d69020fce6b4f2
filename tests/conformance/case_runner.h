// Runs one ONNX backend test case (model.onnx + test_data_set_*/{input,output}_K.pb) and
// compares the outputs.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/value.h"

namespace zenith::conformance {

enum class Status { Passed, Failed, Error, Unsupported };
const char* to_string(Status status);

struct CaseResult {
  Status status = Status::Error;
  std::string message;  // why it did not pass
};

// Tolerances of the ONNX backend tests: |actual - expected| <= atol + rtol * |expected| for
// floating types; exact for integers, bools and strings; NaN equals NaN.
struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-5;
};

CaseResult run_case(const std::filesystem::path& case_dir, const std::string& device,
                    const Tolerance& tolerance);

// The case's test_data_set_* folders, sorted.
std::vector<std::filesystem::path> data_sets(const std::filesystem::path& case_dir);

// A data set's input_K.pb files as feeds for `graph`'s runtime inputs, read as the graph
// declares them. Throws InvalidModel if there are more files than inputs.
std::map<std::string, ir::Value> read_inputs(const std::filesystem::path& data_set,
                                             const ir::Graph& graph);

}  // namespace zenith::conformance
