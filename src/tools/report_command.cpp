// `zenith report DIR...`: MLPerf log folders side by side (their mlperf_log_summary.txt, official
// LoadGen's or Zenith's), and with --plot-dir the latency pictures of those `zenith bench
// --log-dir` wrote (zenith_latencies.csv beside the official files).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "ir/errors.h"
#include "loadgen/config_file.h"
#include "loadgen/log_files.h"
#include "tools/cli_util.h"
#include "tools/latency_plot.h"
#include "tools/picture_file.h"

namespace fs = std::filesystem;

namespace zenith::tools {
namespace {

struct ReportOptions {
  std::vector<std::string> dirs;
  std::string plot_dir;
  std::string plot_format = "svg";
};

// The "key : value" lines of a summary, in order (section rules, headers and the early-stopping
// prose left out).
std::vector<std::pair<std::string, std::string>> summary_lines(const fs::path& dir) {
  const fs::path path = dir / "mlperf_log_summary.txt";
  std::ifstream in(path);
  if (!in)
    throw_invalid_argument("{}: cannot read it (is {} an MLPerf log folder?)", path.string(),
                           dir.string());
  std::vector<std::pair<std::string, std::string>> lines;
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos || line.rfind(" *", 0) == 0 || line.rfind("=", 0) == 0) continue;
    const std::string key(loadgen::trim(std::string_view(line).substr(0, colon)));
    const std::string value(loadgen::trim(std::string_view(line).substr(colon + 1)));
    if (!key.empty() && !value.empty()) lines.emplace_back(key, value);
  }
  if (lines.empty()) throw_invalid_argument("{}: no 'key : value' line in it", path.string());
  return lines;
}

// The values of some keys of mlperf_log_detail.txt (":::MLLOG {json}" lines).
nlohmann::json detail_values(const fs::path& dir) {
  const fs::path path = dir / "mlperf_log_detail.txt";
  std::ifstream in(path);
  if (!in) throw_invalid_argument("{}: cannot read it", path.string());
  nlohmann::json values;
  for (std::string line; std::getline(in, line);) {
    const size_t brace = line.find('{');
    if (line.rfind(":::MLLOG", 0) != 0 || brace == std::string::npos) continue;
    const nlohmann::json event = nlohmann::json::parse(line.substr(brace), nullptr, false);
    if (event.is_object() && event.contains("key") && event.contains("value"))
      values[event["key"].get<std::string>()] = event["value"];
  }
  return values;
}

void print_summaries(const ReportOptions& o) {
  std::vector<std::string> keys;
  std::vector<std::map<std::string, std::string>> columns;
  for (const std::string& dir : o.dirs) {
    std::map<std::string, std::string>& column = columns.emplace_back();
    for (const auto& [key, value] : summary_lines(dir)) {
      if (column.emplace(key, value).second &&
          std::find(keys.begin(), keys.end(), key) == keys.end())
        keys.push_back(key);
    }
  }
  size_t key_width = 0;
  for (const std::string& k : keys) key_width = std::max(key_width, k.size());
  std::vector<size_t> widths;
  for (size_t c = 0; c < columns.size(); ++c) {
    size_t w = o.dirs[c].size();
    for (const auto& [key, value] : columns[c]) w = std::max(w, value.size());
    widths.push_back(w);
  }
  std::cout << fmt::format("{:<{}}", "", key_width);
  for (size_t c = 0; c < columns.size(); ++c)
    std::cout << fmt::format("  {:<{}}", o.dirs[c], widths[c]);
  std::cout << "\n";
  for (const std::string& key : keys) {
    std::cout << fmt::format("{:<{}}", key, key_width);
    for (size_t c = 0; c < columns.size(); ++c) {
      const auto it = columns[c].find(key);
      std::cout << fmt::format("  {:<{}}", it == columns[c].end() ? "-" : it->second, widths[c]);
    }
    std::cout << "\n";
  }
}

// zenith_latencies.csv as a summary holding only the samples.
loadgen::PerformanceSummary read_latencies(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line != "scheduled_s,latency_ns")
    throw_invalid_argument(
        "{}: not a latencies file (its first line is not scheduled_s,latency_ns)", path.string());
  loadgen::PerformanceSummary summary;
  for (size_t row = 2; std::getline(in, line); ++row) {
    const size_t comma = line.find(',');
    try {
      if (comma == std::string::npos) throw std::invalid_argument("no comma");
      summary.sample_scheduled_s.push_back(std::stod(line.substr(0, comma)));
      summary.sample_latencies_ns.push_back(std::stoll(line.substr(comma + 1)));
    } catch (const std::exception&) {
      throw_invalid_argument("{}:{}: '{}' is not scheduled_s,latency_ns", path.string(), row, line);
    }
  }
  if (summary.sample_latencies_ns.empty())
    throw_invalid_argument("{}: no sample in it", path.string());
  return summary;
}

void write_plots(const ReportOptions& o) {
  fs::create_directories(o.plot_dir);
  for (const std::string& dir : o.dirs) {
    const fs::path latencies = fs::path(dir) / loadgen::kLatenciesLog;
    if (!fs::exists(latencies)) {
      std::cout << fmt::format("{}: no {} (zenith bench --log-dir writes it): no plot\n", dir,
                               loadgen::kLatenciesLog);
      continue;
    }
    const nlohmann::json d = detail_values(dir);
    const auto text = [&](const char* key) {
      return d.contains(key) && d[key].is_string() ? d[key].get<std::string>() : std::string("?");
    };
    const LatencyPlotInfo info =
        plot_info(text("sut_name"), text("effective_scenario"), text("effective_test_mode"),
                  d.value("effective_target_latency_percentile", 0.9),
                  d.value("effective_target_latency_ns", std::int64_t{0}));
    const fs::path out =
        fs::path(o.plot_dir) /
        (fs::path(dir).lexically_normal().filename().string() + "." + o.plot_format);
    write_picture(out.string(), latency_plot_svg(read_latencies(latencies), info), "--plot-dir");
    std::cout << fmt::format("{}: latencies drawn in {}\n", dir, out.string());
  }
}

int report(const ReportOptions& o) {
  print_summaries(o);
  if (!o.plot_dir.empty()) write_plots(o);
  return 0;
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "MLPerf log folders side by side (their summaries), and their latency plots");
  sub->add_option("dirs", o->dirs, "MLPerf log folders (mlperf_log_summary.txt in each)")
      ->required();
  sub->add_option("--plot-dir", o->plot_dir,
                  "Write DIR/<folder>.svg for each folder with zenith_latencies.csv (from zenith "
                  "bench --log-dir), as zenith bench --plot draws it");
  sub->add_option("--plot-format", o->plot_format, "The pictures' format: svg or png")
      ->check(CLI::IsMember({"svg", "png"}))
      ->capture_default_str();
  return {sub, [o] { return report(*o); }};
}

}  // namespace zenith::tools
