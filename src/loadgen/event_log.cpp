// EventLog and the JSON encoding of its values.
#include "loadgen/event_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace zenith::loadgen {

std::string json_value(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string json_value(const char* text) { return json_value(std::string_view(text)); }
std::string json_value(bool value) { return value ? "true" : "false"; }
std::string json_value(double value) { return fmt::format("{}", value); }
std::string json_value(std::uint64_t value) { return fmt::format("{}", value); }
std::string json_value(std::int64_t value) { return fmt::format("{}", value); }
std::string json_value(const std::vector<std::size_t>& values) {
  return fmt::format("[{}]", fmt::join(values, ","));
}

void EventLog::push(std::string key, std::string value_json, bool is_error, bool is_warning,
                    const std::source_location& where) {
  const std::chrono::duration<double, std::milli> since = std::chrono::steady_clock::now() - start_;
  events_.push_back({std::move(key), std::move(value_json), since.count(), is_error, is_warning,
                     std::filesystem::path(where.file_name()).filename().string(), where.line()});
}

std::size_t EventLog::error_count() const {
  return std::count_if(events_.begin(), events_.end(),
                       [](const LogEvent& e) { return e.is_error; });
}

std::size_t EventLog::warning_count() const {
  return std::count_if(events_.begin(), events_.end(),
                       [](const LogEvent& e) { return e.is_warning; });
}

}  // namespace zenith::loadgen
