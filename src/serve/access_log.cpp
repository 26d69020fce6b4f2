// AccessLog: nlohmann::json lines, flushed each, so that `tail -f` and log shippers see them.
#include "serve/access_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "ir/errors.h"

namespace zenith::serve {

AccessLog::AccessLog(const std::string& path)
    : file_(path == "-" ? stderr : std::fopen(path.c_str(), "a")), owned_(path != "-") {
  if (!file_) throw_invalid_argument("--access-log {}: cannot open it for appending", path);
}

AccessLog::~AccessLog() {
  if (owned_) std::fclose(file_);
}

void AccessLog::write(const AccessRecord& r) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  nlohmann::json line = {
      {"time", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z",
                           std::chrono::floor<std::chrono::seconds>(now), ms.count() % 1000)},
      {"protocol", r.protocol},
      {"call", r.call},
      {"status", r.status},
      {"duration_us", r.duration_us},
      {"bytes_in", r.bytes_in},
      {"bytes_out", r.bytes_out},
      {"peer", r.peer}};
  if (!r.model.empty()) line["model"] = r.model;
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

}  // namespace zenith::serve
