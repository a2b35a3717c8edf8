// memgate: the command line. Each subcommand is in cmd_<name>.cc; this file only maps
// errors to the documented exit codes.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "build_info.h"
#include "commands.h"
#include "flag_check.h"
#include "help_formatter.h"
#include "memgate/check.h"
#include "memgate/error.h"
#include "sys/signals.h"

namespace {

// stdout closed early (`memgate run ... | head -c1`): what was printed is what the reader
// wanted, so that is a quiet end; the run directory and report are written by then.
// Returns false for any other write error, which is worth a line on stderr.
bool stdout_flushed_or_closed() {
  if (std::fflush(stdout) == 0 && !std::ferror(stdout)) return true;
  return errno == EPIPE;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout (or target pipe) must be an EPIPE to handle, not a death by SIGPIPE.
  // Targets get the default disposition back (sys::Child::spawn).
  memgate::sys::ignore_sigpipe();
  CLI::App app{"memgate: does a program's memory plateau under realistic load, and which allocator serves it best?",
               "memgate"};
  app.formatter(memgate::cli::help_formatter());  // before the subcommands, which inherit it
  app.set_version_flag("--version",
                       "memgate " MEMGATE_VERSION " (commit " MEMGATE_GIT_COMMIT ", " MEMGATE_BUILD_TYPE " build)");
  app.require_subcommand(1);
  int exit_code = 0;
  memgate::cli::add_run_command(app, exit_code);
  memgate::cli::add_report_command(app, exit_code);
  memgate::cli::add_doctor_command(app, exit_code);
  memgate::cli::add_compare_command(app, exit_code);
  memgate::cli::add_sizes_command(app, exit_code);
  memgate::cli::add_gen_command(app, exit_code);
  memgate::cli::add_replay_command(app, exit_code);
  memgate::cli::add_baseline_command(app, exit_code);
  const auto usage_error = [](const std::string& message) {
    std::fprintf(stderr, "memgate: error: %s\n", message.c_str());
    return static_cast<int>(memgate::ExitCode::usage);
  };
  try {
    if (const auto unknown = memgate::cli::unknown_flag_message(app, {argv + 1, argv + argc}))
      return usage_error(*unknown);
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    // CLI11's messages, in memgate's one-line form with where to look.
    return usage_error(
        std::string(e.what()) + " (see 'memgate " +
        (app.get_subcommands().empty() ? std::string() : app.get_subcommands().front()->get_name() + " ") + "--help')");
  } catch (const memgate::Error& e) {
    std::fprintf(stderr, "memgate: error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "memgate: internal error: %s (please report it with the command you ran)\n", e.what());
    return static_cast<int>(memgate::ExitCode::internal);
  }
  if (!stdout_flushed_or_closed())
    std::fprintf(stderr, "memgate: warning: could not write to stdout: %s\n", std::strerror(errno));
  return exit_code;
}
