// The `zenith` command line: parses arguments and dispatches to one subcommand.
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
#include <vector>

#include "tools/cli_util.h"
#include "zenith/error.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int run_main(int argc, char** argv) {
  CLI::App app{"Zenith: run, inspect and compare neural network models (ONNX)", "zenith"};
  app.require_subcommand(1);
  const std::vector<zenith::tools::Command> commands = {
      zenith::tools::add_run_command(app),
      zenith::tools::add_info_command(app),
      zenith::tools::add_compare_command(app),
  };
  try {
    app.parse(argc, argv);
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
