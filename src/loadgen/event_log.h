// EventLog: the events of a run in the order they happened, kept for mlperf_log_detail.txt
// (LOADGEN.md §11). Values are stored already encoded as JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

namespace zenith::loadgen {

struct LogEvent {
  std::string key;
  std::string value_json;
  double time_ms = 0.0;  // from the creation of the log, as official's logger counts
  bool is_error = false;
  bool is_warning = false;
  std::string file;  // where in src/loadgen the event was logged
  unsigned line = 0;
};

std::string json_value(std::string_view text);
std::string json_value(const char* text);
std::string json_value(bool value);
std::string json_value(double value);
std::string json_value(std::uint64_t value);
std::string json_value(std::int64_t value);
std::string json_value(const std::vector<std::size_t>& values);

class EventLog {
 public:
  EventLog() : start_(std::chrono::steady_clock::now()) {}

  template <typename T>
  void add(std::string key, const T& value,
           std::source_location where = std::source_location::current()) {
    push(std::move(key), json_value(value), false, false, where);
  }
  void message(std::string_view text,
               std::source_location where = std::source_location::current()) {
    push("generic_message", json_value(text), false, false, where);
  }
  // `key` as official: error_runtime, error_invalid_test_settings, error_invalid_config.
  void error(std::string key, std::string_view text,
             std::source_location where = std::source_location::current()) {
    push(std::move(key), json_value(text), true, false, where);
  }
  void warning(std::string_view text,
               std::source_location where = std::source_location::current()) {
    push("warning_generic_message", json_value(text), false, true, where);
  }

  const std::vector<LogEvent>& events() const { return events_; }
  std::size_t error_count() const;
  std::size_t warning_count() const;

 private:
  void push(std::string key, std::string value_json, bool is_error, bool is_warning,
            const std::source_location& where);

  std::chrono::steady_clock::time_point start_;
  std::vector<LogEvent> events_;
};

}  // namespace zenith::loadgen
