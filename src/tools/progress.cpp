// ProgressLine: a thread that redraws one stderr line with '\r' and clears it with an ANSI
// erase-line, so the results printed after it start on a clean line.
#include "tools/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace zenith::tools {
namespace {

constexpr auto kEvery = std::chrono::milliseconds(250);

// 2 s, or ZENITH_PROGRESS_AFTER_S seconds (0: at once, as the tests want on short work).
std::chrono::milliseconds first_after() {
  const char* text = std::getenv("ZENITH_PROGRESS_AFTER_S");
  char* end = nullptr;
  const double seconds = text ? std::strtod(text, &end) : 2.0;
  return std::chrono::milliseconds(
      static_cast<int64_t>(1000 * (text && end != text && seconds >= 0 ? seconds : 2.0)));
}

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
  if (stop_.wait_for(lock, first_after(), [&] { return stopping_; })) return;
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

void WorkCounter::begin(const char* stage, size_t total, const char* unit) {
  total_.store(total, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  unit_.store(unit, std::memory_order_relaxed);
  stage_.store(stage, std::memory_order_relaxed);
}

std::string WorkCounter::status(double elapsed_s) const {
  const char* stage = stage_.load(std::memory_order_relaxed);
  const char* unit = unit_.load(std::memory_order_relaxed);
  if (*unit == 0) return fmt::format("{}, {}", stage, short_duration(elapsed_s));
  const size_t total = total_.load(std::memory_order_relaxed);
  const size_t done = done_.load(std::memory_order_relaxed);
  const std::string of = total > 0 ? fmt::format(" of {}", total) : "";
  return fmt::format("{}: {}{} {}, {}", stage, done, of, unit, short_duration(elapsed_s));
}

std::string short_duration(double seconds) {
  const auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
  return s >= 60 ? fmt::format("{}m{:02}s", s / 60, s % 60) : fmt::format("{}s", s);
}

}  // namespace zenith::tools
