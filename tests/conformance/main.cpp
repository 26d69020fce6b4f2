// zenith-conformance: runs every ONNX backend test case under a folder, each in a child process
// (so a crash or hang in one case is reported, not fatal), and prints per-suite counts.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "case_runner.h"

namespace fs = std::filesystem;
using zenith::conformance::CaseResult;
using zenith::conformance::Status;

namespace {

struct Case {
  std::string suite;
  std::string name;
  fs::path dir;
};

std::vector<Case> find_cases(const fs::path& root, const std::string& filter) {
  std::vector<Case> cases;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().filename() != "model.onnx") continue;
    const fs::path dir = entry.path().parent_path();
    const fs::path rel = fs::relative(dir, root);
    const std::string suite = rel.begin() == rel.end() || std::next(rel.begin()) == rel.end()
                                  ? root.filename().string()
                                  : rel.begin()->string();
    if (!filter.empty() && dir.filename().string().find(filter) == std::string::npos) continue;
    cases.push_back({suite, dir.filename().string(), dir});
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) {
    return std::tie(a.suite, a.name) < std::tie(b.suite, b.name);
  });
  return cases;
}

// "name  # reason" per line; blank lines and lines starting with # are ignored.
std::map<std::string, std::string> read_skip_list(const fs::path& file) {
  std::map<std::string, std::string> skips;
  if (file.empty()) return skips;
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read skip list " + file.string());
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    const auto hash = line.find('#');
    const auto name_end = line.find_first_of(" \t#", start);
    const std::string name = line.substr(start, name_end - start);
    if (hash == std::string::npos)
      throw std::runtime_error(fmt::format("{}:{}: '{}' has no '# reason'", file.string(), number, name));
    skips[name] = line.substr(line.find_first_not_of(" \t", hash + 1));
  }
  return skips;
}

// A case running in a child process, which reports "<status>\n<message>" through a pipe.
struct Child {
  size_t index;
  pid_t pid;
  int fd;
  std::chrono::steady_clock::time_point started;
  std::string report;
};

Child start_child(const Case& c, size_t index, const std::string& device) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe() failed");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const CaseResult r = zenith::conformance::run_case(c.dir, device, {});
    const std::string out = std::to_string(static_cast<int>(r.status)) + "\n" + r.message;
    for (size_t done = 0; done < out.size();) {
      const ssize_t n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  return {index, pid, fds[0], std::chrono::steady_clock::now(), ""};
}

CaseResult finish_child(Child& child, bool timed_out, int timeout_s) {
  if (timed_out) kill(child.pid, SIGKILL);
  close(child.fd);
  int wstatus = 0;
  waitpid(child.pid, &wstatus, 0);
  if (timed_out) return {Status::Error, fmt::format("timed out after {} s", timeout_s)};
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || child.report.empty())
    return {Status::Error, WIFSIGNALED(wstatus)
                               ? fmt::format("crashed with signal {}", WTERMSIG(wstatus))
                               : fmt::format("child exited with status {}", WEXITSTATUS(wstatus))};
  const auto newline = child.report.find('\n');
  return {static_cast<Status>(std::stoi(child.report.substr(0, newline))),
          child.report.substr(newline + 1)};
}

// Runs every case, `jobs` at a time, each isolated in a child so a crash or hang is a result.
std::vector<CaseResult> run_all(const std::vector<Case>& cases, const std::string& device,
                                int jobs, int timeout_s) {
  std::vector<CaseResult> results(cases.size());
  std::vector<Child> running;
  size_t next = 0;
  while (next < cases.size() || !running.empty()) {
    while (next < cases.size() && static_cast<int>(running.size()) < jobs) {
      running.push_back(start_child(cases[next], next, device));
      ++next;
    }
    std::vector<pollfd> fds;
    for (const Child& c : running) fds.push_back({c.fd, POLLIN, 0});
    poll(fds.data(), fds.size(), 1000);
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = running.size(); i-- > 0;) {
      Child& child = running[i];
      bool done = false;
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buffer[4096];
        const ssize_t n = read(child.fd, buffer, sizeof buffer);
        if (n > 0) child.report.append(buffer, static_cast<size_t>(n));
        else done = true;
      }
      const bool timed_out = !done && now - child.started > std::chrono::seconds(timeout_s);
      if (done || timed_out) {
        results[child.index] = finish_child(child, timed_out, timeout_s);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
  return results;
}

struct Counts {
  int passed = 0, failed = 0, error = 0, unsupported = 0, skipped = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs the ONNX backend test cases under DATA_DIR and compares outputs"};
  std::string data_dir, device = "REF", json_file, filter, skip_file;
  int min_pass = 0, timeout_s = 300, jobs = 1;
  bool verbose = false;
  app.add_option("data_dir", data_dir, "folder of test cases (e.g. /usr/share/libonnx-testdata/data)")
      ->required()->check(CLI::ExistingDirectory);
  app.add_option("--device,-d", device, "device to run on");
  app.add_option("--json", json_file, "write per-case results to this JSON file");
  app.add_option("--filter", filter, "only cases whose name contains this");
  app.add_option("--skip-list", skip_file, "file of 'case  # reason' lines");
  app.add_option("--min-pass", min_pass, "fail if fewer cases pass");
  app.add_option("--timeout", timeout_s, "seconds per case");
  app.add_option("--jobs,-j", jobs, "cases run in parallel")->check(CLI::Range(1, 64));
  app.add_flag("--verbose,-v", verbose, "print every case that does not pass");
  CLI11_PARSE(app, argc, argv);

  std::map<std::string, std::string> skips;
  try {
    skips = read_skip_list(skip_file);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
  const auto cases = find_cases(data_dir, filter);
  std::map<std::string, Counts> per_suite;
  std::vector<std::string> unexpected;  // non-skipped failures and skipped passes
  nlohmann::json rows = nlohmann::json::array();
  std::set<std::string> seen;
  const std::vector<CaseResult> results = run_all(cases, device, jobs, timeout_s);
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    const CaseResult& r = results[k];
    seen.insert(c.name);
    const bool skipped = skips.count(c.name) != 0;
    Counts& counts = per_suite[c.suite];
    switch (r.status) {
      case Status::Passed: ++counts.passed; break;
      case Status::Failed: ++counts.failed; break;
      case Status::Error: ++counts.error; break;
      case Status::Unsupported: ++counts.unsupported; break;
    }
    if (skipped) ++counts.skipped;
    if (skipped && r.status == Status::Passed)
      unexpected.push_back(fmt::format("{}/{}: passes but is in the skip list; remove it", c.suite, c.name));
    else if (!skipped && r.status != Status::Passed)
      unexpected.push_back(fmt::format("{}/{}: {}: {}", c.suite, c.name, to_string(r.status), r.message));
    if (verbose && r.status != Status::Passed)
      fmt::print("{:<11} {}/{}: {}\n", to_string(r.status), c.suite, c.name, r.message);
    rows.push_back({{"suite", c.suite}, {"case", c.name}, {"status", to_string(r.status)},
                    {"skipped", skipped}, {"message", r.message}});
  }
  for (const auto& [name, reason] : skips)
    if (!seen.count(name) && filter.empty())
      fmt::print("note: skip-list entry '{}' matches no case\n", name);

  Counts total;
  fmt::print("{:<20} {:>7} {:>7} {:>7} {:>12} {:>8}\n", "suite", "passed", "failed", "error",
             "unsupported", "skipped");
  for (const auto& [suite, c] : per_suite) {
    fmt::print("{:<20} {:>7} {:>7} {:>7} {:>12} {:>8}\n", suite, c.passed, c.failed, c.error,
               c.unsupported, c.skipped);
    total.passed += c.passed;
    total.failed += c.failed;
    total.error += c.error;
    total.unsupported += c.unsupported;
    total.skipped += c.skipped;
  }
  fmt::print("{:<20} {:>7} {:>7} {:>7} {:>12} {:>8}\n", "total", total.passed, total.failed,
             total.error, total.unsupported, total.skipped);
  if (!json_file.empty()) std::ofstream(json_file) << rows.dump(1) << "\n";
  for (const std::string& u : unexpected) fmt::print("UNEXPECTED {}\n", u);
  if (total.passed < min_pass)
    fmt::print("pass count {} is below the floor of {}\n", total.passed, min_pass);
  // Failures are the cases that did not pass, skipped or not; the run fails on unexpected ones.
  fmt::print("conformance: {} passed, {} failed\n", total.passed,
             static_cast<int>(cases.size()) - total.passed);
  return unexpected.empty() && total.passed >= min_pass ? 0 : 1;
}
