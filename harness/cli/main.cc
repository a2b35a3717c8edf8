// memgate: the command line. Each subcommand is in cmd_<name>.cc; this file only maps
// errors to the documented exit codes.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "memgate/check.h"
#include "memgate/error.h"

int main(int argc, char** argv) {
  CLI::App app{"memgate: does a program's memory plateau under realistic load, and which allocator serves it best?"};
  app.set_version_flag("--version", "memgate " MEMGATE_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  memgate::cli::add_run_command(app, exit_code);
  memgate::cli::add_report_command(app, exit_code);
  memgate::cli::add_doctor_command(app, exit_code);
  memgate::cli::add_compare_command(app, exit_code);
  memgate::cli::add_gen_command(app, exit_code);
  memgate::cli::add_replay_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(memgate::ExitCode::usage);
  } catch (const memgate::Error& e) {
    std::fprintf(stderr, "memgate: error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "memgate: internal error: %s (please report it with the command you ran)\n", e.what());
    return static_cast<int>(memgate::ExitCode::internal);
  }
  return exit_code;
}
