// memgate run [options] -- CMD ARGS...
// memgate run [options] SCENARIO.json   (flags given here override the scenario's)
#include <cstdio>
#include <memory>

#include "commands.h"
#include "options.h"
#include "target_options.h"
#include "run/runner.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"

namespace memgate::cli {

namespace {

// The scenario fills in everything the command line did not set explicitly. `path` is
// a copy: it comes from o.command, which this replaces.
void apply_scenario(const CLI::App& cmd, const std::string path, run::RunOptions& o, TargetFlags& target) {
  const auto scenario = scenario::load_scenario(path);
  const run::FlagOverrides overrides{given_flags(cmd), o.checks};
  run::apply_scenario(scenario, overrides, o);
  if (!overrides.given("--allocator") && !scenario.target.allocator.empty()) target.allocator = scenario.target.allocator;
  if (!overrides.given("--purge-at-phases")) target.purge_at_phases = scenario.target.purge_at_phases;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<run::RunOptions>();
  auto* cmd = app.add_subcommand("run", "Run a command, sample its whole process tree, and judge its memory");
  cmd->footer(
      "Examples:\n"
      "  memgate run --duration 5m --max-rss 512M -- ./server --port 8080\n"
      "  memgate run --hz 100 --out runs/leak -- python3 job.py\n"
      "  memgate run scenarios/air_quality_burst.json      (a scenario: target, traffic, checks)\n"
      "Exit codes: 0 pass, 1 a check failed, 2 inconclusive, 3 usage error,\n"
      "            4 target could not start / crashed / exited non-zero, 5 internal error.");
  cmd->add_option("--out", options->out_dir, "Run directory (default: ./memgate-run-<timestamp>)")->type_name("DIR");
  cmd->add_option("--hz", options->hz, "Samples per second of the whole tree")
      ->check(CLI::Range(0.001, 1000.0))
      ->capture_default_str();
  cmd->add_option("--pss-hz", options->pss_hz, "PSS reads per second (smaps_rollup is costlier; 0 = never)")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_option("--process-hz", options->process_hz, "Per-process rows per second in processes.csv")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  add_duration_option(*cmd, "--duration", options->duration_s,
                      "Stop the target (SIGTERM to its group) after this long; default: until it exits");
  auto grace = std::make_shared<std::optional<double>>();
  add_duration_option(*cmd, "--grace", *grace, "After SIGTERM, wait this long before SIGKILL (default 10s)");
  cmd->add_option("--junit", options->junit_path, "Also write the checks as JUnit XML to PATH")->type_name("PATH");
  cmd->add_flag("--no-plot{false}", options->plot, "Do not render timeline.png at the end");
  cmd->add_flag("--quiet,-q", options->quiet, "No progress output");
  add_check_options(*cmd, options->checks);
  auto target_flags = std::make_shared<TargetFlags>();
  add_target_options(*cmd, *target_flags);
  cmd->add_option("command", options->command, "The command to run, after --; or one SCENARIO.json")
      ->required()
      ->type_name("CMD ARGS...");
  cmd->callback([cmd, options, grace, target_flags, &exit_code] {
    if (*grace) options->stop_grace_s = **grace;
    if (run::is_scenario_argument(options->command)) apply_scenario(*cmd, options->command.front(), *options, *target_flags);
    apply_target_options(*target_flags, *options);
    const auto result = run::run(*options);
    std::fputs(result.summary.c_str(), stdout);
    exit_code = static_cast<int>(result.exit_code);
  });
}

}  // namespace memgate::cli
