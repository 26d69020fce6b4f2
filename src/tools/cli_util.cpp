// Helpers shared by the `zenith` subcommands.
#include "tools/cli_util.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <ostream>
#include <sstream>
#include <type_traits>

#include "ir/errors.h"
#include "ir/zir.h"
#include "tools/imagenet_labels.h"

namespace zenith::tools {

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

TensorStats tensor_stats(const ir::Tensor& tensor) {
  TensorStats stats;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
  ir::visit_numeric(tensor.dtype(), "tensor statistics", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* data = tensor.data<T>();
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      const double v = static_cast<double>(data[i]);
      if (std::isnan(v)) {
        ++stats.nan_count;
        continue;
      }
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
    }
  });
  const int64_t counted = tensor.numel() - stats.nan_count;
  if (counted > 0) {
    stats.min = lo;
    stats.max = hi;
    stats.mean = sum / static_cast<double>(counted);
  } else {
    stats.min = stats.max = stats.mean = std::nan("");
  }
  return stats;
}

std::vector<std::string> stats_cells(const ir::Tensor& tensor) {
  if (tensor.dtype() == ir::DType::String || tensor.numel() == 0) return {"-", "-", "-"};
  const TensorStats s = tensor_stats(tensor);
  std::vector<std::string> cells = {fmt::format("{:.6g}", s.min), fmt::format("{:.6g}", s.max),
                                    fmt::format("{:.6g}", s.mean)};
  if (s.nan_count) cells.back() += fmt::format(" ({} NaN)", s.nan_count);
  return cells;
}

void print_top_k(std::ostream& out, const std::string& name, const ir::Tensor& tensor, int k,
                 const std::vector<std::string>& labels) {
  if (tensor.rank() != 2 || tensor.dtype() == ir::DType::String || tensor.numel() == 0) return;
  const int64_t rows = tensor.dims()[0], classes = tensor.dims()[1];
  std::vector<double> scores(static_cast<size_t>(classes));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < classes; ++c) scores[c] = tensor.as_double(r * classes + c);
    std::vector<int64_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    const auto top = std::min<int64_t>(k, classes);
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
    out << fmt::format("top {} of '{}' row {}:\n", top, name, r);
    std::vector<std::vector<std::string>> table;
    for (int64_t i = 0; i < top; ++i) {
      const int64_t c = order[i];
      table.push_back({fmt::format("  {}", c), fmt::format("{:.6g}", scores[c]),
                       c < static_cast<int64_t>(labels.size()) ? labels[c] : ""});
    }
    print_table(out, table);
  }
}

void print_profile(std::ostream& out, const std::vector<ProfilingInfo>& steps, const MemoryInfo& memory) {
  double total = 0;
  for (const ProfilingInfo& s : steps) total += s.ms;
  std::vector<std::vector<std::string>> rows = {{"node", "op", "device", "implementation", "layout", "ms", "%"}};
  for (const ProfilingInfo& s : steps)
    rows.push_back({s.node, s.op, s.device, s.implementation, s.layout, fmt::format("{:.3f}", s.ms),
                    fmt::format("{:.1f}", total > 0 ? 100 * s.ms / total : 0.0)});
  rows.push_back({"total", "", "", "", "", fmt::format("{:.3f}", total), "100.0"});
  print_table(out, rows);
  if (memory.tensors == 0) return;
  constexpr double kMiB = 1024.0 * 1024.0;
  out << fmt::format("arena: {:.2f} MiB for {} intermediate tensors ({:.2f} MiB were each on its own)\n",
                           static_cast<double>(memory.arena_bytes) / kMiB, memory.tensors,
                           static_cast<double>(memory.tensor_bytes) / kMiB);
}

std::vector<std::string> read_labels(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_invalid_argument("{}: cannot open the labels file", path);
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) labels.push_back(line);
  return labels;
}

std::vector<std::string> labels_for(const std::string& path, int64_t classes) {
  if (!path.empty()) return read_labels(path);
  if (classes != 1000) return {};
  std::vector<std::string> labels;
  std::istringstream in(kImageNetLabels);
  for (std::string line; std::getline(in, line);) labels.push_back(line);
  return labels;
}

std::string sanitize_file_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    const bool safe =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out.push_back(safe ? c : '_');
  }
  if (out.empty()) return "_";
  if (out[0] == '.') out[0] = '_';
  return out;
}

std::string human_count(double value) {
  static constexpr std::pair<double, const char*> kUnits[] = {
      {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "K"}};
  for (const auto& [scale, unit] : kUnits)
    if (std::abs(value) >= scale) return fmt::format("{:.3g} {}", value / scale, unit);
  return fmt::format("{:.3g}", value);
}


std::pair<std::string, std::string> split_assignment(const std::string& spec, std::string_view flag,
                                                     std::string_view form) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    throw_invalid_argument("{} '{}': expected {}", flag, spec, form);
  return {spec.substr(0, eq), spec.substr(eq + 1)};
}

std::optional<std::vector<float>> parse_floats(const std::string& text) {
  std::vector<float> values;
  const char* at = text.data();
  const char* end = text.data() + text.size();
  while (at < end) {
    float v = 0;
    const auto [next, ec] = std::from_chars(at, end, v);
    if (ec != std::errc() || (next != end && *next != ',') || next + 1 == end) return std::nullopt;
    values.push_back(v);
    at = next == end ? end : next + 1;
  }
  if (values.empty()) return std::nullopt;
  return values;
}

std::array<float, 3> parse_channel_values(const std::string& text, std::string_view flag) {
  const std::optional<std::vector<float>> values = parse_floats(text);
  if (!values || (values->size() != 1 && values->size() != 3))
    throw_invalid_argument("{} '{}': expected three numbers R,G,B, or one for every channel", flag,
                           text);
  const std::vector<float>& v = *values;
  if (v.size() == 1) return {v[0], v[0], v[0]};
  return {v[0], v[1], v[2]};
}

ir::Dims parse_dims(const std::string& text, std::string_view what) {
  ir::Dims dims;
  const char* at = text.data();
  const char* end = text.data() + text.size();
  while (at < end) {
    int64_t d = -1;
    const auto [next, ec] = std::from_chars(at, end, d);
    if (ec != std::errc() || d < 0 || (next != end && *next != ','))
      throw_invalid_argument("{} '{}': expected dims such as 1,3,224,224", what, text);
    dims.push_back(d);
    at = next == end ? end : next + 1;
    if (next != end && at == end)
      throw_invalid_argument("{} '{}': expected dims such as 1,3,224,224", what, text);
  }
  if (dims.empty()) throw_invalid_argument("{} '{}': expected dims such as 1,3,224,224", what, text);
  return dims;
}

void add_precision_option(CLI::App& app, std::string& precision) {
  app.add_option("--precision", precision,
                 "What convolutions and matrix products compute in: f32 (or fp32), bf16 (on a CPU "
                 "with BF16 instructions; f32 elsewhere) or auto (bf16 where the outputs stay "
                 "within 1% of f32's)")
      ->default_str("the .zir's, else f32");
}

InferencePrecision model_precision(const std::string& model, const std::string& flag) {
  if (!flag.empty()) return parse_inference_precision(flag);
  if (!ir::has_zir_magic(model)) return InferencePrecision::f32;
  const ir::ZirInfo info = ir::read_zir_info(model);
  const auto recorded = info.metadata.find("precision");
  return recorded != info.metadata.end() && recorded->second == "bf16" ? InferencePrecision::bf16
                                                                       : InferencePrecision::f32;
}

std::string precision_counts(const std::vector<NodePlacement>& placement) {
  std::map<std::string, int> counts;
  for (const NodePlacement& a : placement)
    if (!a.precision.empty() && a.fused_into.empty()) ++counts[a.precision];
  std::vector<std::pair<std::string, int>> rows(counts.begin(), counts.end());
  // The narrower formats first: bf16, int8, then f32 and wider.
  std::stable_partition(rows.begin(), rows.end(), [](const auto& r) { return r.first != "f32"; });
  std::string out;
  for (const auto& [precision, n] : rows)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", precision, n);
  return out;
}

}  // namespace zenith::tools
