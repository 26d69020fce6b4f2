// ProgressLine: a thread that redraws one stderr line with '\r' and clears it with an ANSI
// erase-line, so the results printed after it start on a clean line.
#include "tools/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace zenith::tools {
namespace {

constexpr auto kFirstAfter = std::chrono::seconds(2);
constexpr auto kEvery = std::chrono::milliseconds(250);

}  // namespace

bool progress_wanted(bool quiet) { return !quiet && isatty(STDERR_FILENO) == 1; }

ProgressLine::ProgressLine(bool shown, std::function<std::string(double)> status)
    : status_(std::move(status)), start_(std::chrono::steady_clock::now()) {
  if (shown) thread_ = std::thread([this] { loop(); });
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
}

void ProgressLine::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stop_.wait_for(lock, kFirstAfter, [&] { return stopping_; })) return;
  bool drawn = false;
  do {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(stderr, "\r\033[2K%s", status_(elapsed).c_str());
    std::fflush(stderr);
    drawn = true;
  } while (!stop_.wait_for(lock, kEvery, [&] { return stopping_; }));
  if (drawn) {
    std::fprintf(stderr, "\r\033[2K");
    std::fflush(stderr);
  }
}

std::string short_duration(double seconds) {
  const auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
  return s >= 60 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

}  // namespace zenith::tools
