// The `zenith` command line: parses arguments and dispatches to one subcommand.
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
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

}  // namespace

int main(int argc, char** argv) {
  zenith::tools::use_short_spin_waits(argv);
  try {
    return run_main(argc, argv);
  } catch (const zenith::Error& e) {
    std::cerr << "zenith: error: " << e.what() << '\n';
  } catch (const std::bad_alloc&) {
    std::cerr << "zenith: error: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "zenith: error: internal error: " << e.what() << '\n';
  }
  return kExitError;
}
