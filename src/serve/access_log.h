// Structured access logs: one JSON object per line for every request either front end answers
// (time, protocol, call, status, duration, bytes, peer), to a file or stderr. Off unless asked
// for (--access-log): a line per request costs a formatted write under a lock.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace zenith::serve {

struct AccessRecord {
  const char* protocol;  // "rest" or "grpc"
  std::string call;      // "POST /v2/models/m/infer", "ModelInfer"
  std::string model;     // "" when the call names none
  std::string status;    // "200", "NOT_FOUND", ...
  int64_t duration_us = 0;
  size_t bytes_in = 0, bytes_out = 0;
  std::string peer;
};

class AccessLog {
 public:
  // `path`: a file to append to, or "-" for stderr. Throws InvalidArgument naming the path if it
  // cannot be opened.
  explicit AccessLog(const std::string& path);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void write(const AccessRecord& record);

 private:
  std::mutex mutex_;
  std::FILE* file_;
  bool owned_;
};

}  // namespace zenith::serve
