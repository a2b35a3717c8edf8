// Every subcommand lives in its own cmd_<name>.cc and registers itself on the app
// through one of these; the callback stores memgate's exit status in exit_code.
#pragma once

#include <CLI/CLI.hpp>

namespace memgate::cli {

void add_run_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_doctor_command(CLI::App& app, int& exit_code);
void add_compare_command(CLI::App& app, int& exit_code);
void add_sizes_command(CLI::App& app, int& exit_code);
void add_gen_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_baseline_command(CLI::App& app, int& exit_code);

}  // namespace memgate::cli
