// The `zenith` command line: parses arguments and dispatches to one subcommand.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "tools/cli_util.h"
#include "tools/thread_wait.h"
#include "zenith/error.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int run_main(int argc, char** argv) {
  // OpenVINO's samples spell the per-layer counters flag "-pc"; CLI11 reads one letter after a
  // single dash, so that spelling is taken as "--pc".
  std::vector<const char*> args(argv, argv + argc);
  for (const char*& arg : args)
    if (std::string_view(arg) == "-pc") arg = "--pc";
  CLI::App app{
      "Zenith: convert, run, inspect, compare, benchmark and train neural network models (ONNX, "
      ".zir)",
      "zenith"};
  app.require_subcommand(1);
  const std::vector<zenith::tools::Command> commands = {
      zenith::tools::add_run_command(app),     zenith::tools::add_info_command(app),
      zenith::tools::add_compare_command(app), zenith::tools::add_classify_command(app),
      zenith::tools::add_convert_command(app), zenith::tools::add_bench_command(app),
      zenith::tools::add_train_command(app),   zenith::tools::add_serve_command(app),
      zenith::tools::add_report_command(app),
  };
  try {
    app.parse(argc, args.data());
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 in CLI11.
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  for (const auto& command : commands)
    if (command.app->parsed()) return command.run();
  return kExitUsage;
}

// zenith.convert (python/zenith/_convert.py) runs this CLI and raises its error with the same
// kind: it asks for the kind on a line of its own.
int report_error(zenith::Error::Kind kind, std::string_view message) {
  if (std::getenv("ZENITH_ERROR_KIND"))
    std::cerr << "zenith: error kind: " << to_string(kind) << '\n';
  std::cerr << "zenith: error: " << message << '\n';
  return kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  zenith::tools::use_short_spin_waits(argv);
  using Kind = zenith::Error::Kind;
  try {
    return run_main(argc, argv);
  } catch (const zenith::Error& e) {
    return report_error(e.kind(), e.what());
  } catch (const std::bad_alloc&) {
    return report_error(Kind::ResourceExhausted, "out of memory");
  } catch (const std::exception& e) {
    return report_error(Kind::Internal, std::string("internal error: ") + e.what());
  }
}
