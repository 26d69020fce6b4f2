// Helpers shared by the `zenith` subcommands: tables, tensor statistics, file names.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ir/tensor.h"
#include "zenith/compiled_model.h"
#include "zenith/config.h"
#include "zenith/infer_request.h"

namespace CLI {
class App;
}

namespace zenith::tools {

// A subcommand: its CLI11 parser and what runs when it was chosen (returns the exit code).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_run_command(CLI::App& app);
Command add_info_command(CLI::App& app);
Command add_compare_command(CLI::App& app);
Command add_classify_command(CLI::App& app);
Command add_convert_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_report_command(CLI::App& app);

// "NAME=VALUE" as {NAME, VALUE}. Throws InvalidArgument "FLAG 'SPEC': expected FORM" when there
// is no '=' or either side is empty.
std::pair<std::string, std::string> split_assignment(const std::string& spec, std::string_view flag,
                                                     std::string_view form);

// ImageNet's per-channel mean and standard deviation in pixel units (0-255): the preprocessing
// torchvision's classifiers expect, and the default of `classify --mean/--scale`.
inline constexpr const char* kImageNetMean = "123.675,116.28,103.53";
inline constexpr const char* kImageNetScale = "58.395,57.12,57.375";

// "R,G,B" as three numbers, or "V" as V for every channel. Throws InvalidArgument naming `flag`
// otherwise.
std::array<float, 3> parse_channel_values(const std::string& text, std::string_view flag);
// Numbers separated by commas ("2,0.5,3"); nullopt if `text` is anything else.
std::optional<std::vector<float>> parse_floats(const std::string& text);

// "1,3,224,224" as dims. Throws InvalidArgument naming `what` for anything but comma-separated
// non-negative integers.
ir::Dims parse_dims(const std::string& text, std::string_view what);

// Prints rows as left-aligned columns; the first row is the heading.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

struct TensorStats {
  double min = 0, max = 0, mean = 0;
  int64_t nan_count = 0;  // NaNs are left out of min/max/mean
};
// Statistics over a numeric tensor's elements. REQUIRES: a numeric dtype with numel() > 0.
TensorStats tensor_stats(const ir::Tensor& tensor);

// "min", "max", "mean" cells for a table: "-" where they do not apply (strings, empty).
std::vector<std::string> stats_cells(const ir::Tensor& tensor);

// For each row of a [N, C] numeric tensor, prints the `k` largest of its C scores with their
// class index and, where `labels` has one, label.
void print_top_k(std::ostream& out, const std::string& name, const ir::Tensor& tensor, int k,
                 const std::vector<std::string>& labels);

// One row per step of a run (node, op, device, kernels, layout, time, share of the total), as
// `benchmark_app -pc` prints them, then the request's arena.
void print_profile(std::ostream& out, const std::vector<ProfilingInfo>& steps, const MemoryInfo& memory);

// The lines of a text file (one class label per line). Throws InvalidArgument naming the file.
std::vector<std::string> read_labels(const std::string& path);

// The class names for an output of `classes` classes: the lines of `path` if given, else
// ImageNet's (built in) for 1000 classes, else none.
std::vector<std::string> labels_for(const std::string& path, int64_t classes);

// A value name made safe as a file name: characters other than [A-Za-z0-9._-] become '_', and
// a leading '.' too (so "../x" cannot escape the folder).
std::string sanitize_file_name(std::string_view name);

// 4.09e9 -> "4.09 G"; keeps three significant digits.
std::string human_count(double value);

// `--precision f32|fp32|bf16|auto` of the commands that compile a model, into `precision`.
void add_precision_option(CLI::App& app, std::string& precision);

// The precision a command compiles `model` in: `flag` (parse_inference_precision) when given,
// else the one a .zir records (`zenith convert --precision bf16`), else f32.
InferencePrecision model_precision(const std::string& model, const std::string& flag);

// How many of the nodes doing arithmetic compute in each precision, the narrowest first:
// "bf16 53, f32 71"; "" when the placement names none.
std::string precision_counts(const std::vector<NodePlacement>& placement);

}  // namespace zenith::tools
