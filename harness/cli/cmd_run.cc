// memgate run [options] -- CMD ARGS...
// memgate run [options] SCENARIO.json   (flags given here override the scenario's)
#include <cstdio>
#include <memory>

#include "commands.h"
#include "memgate/error.h"
#include "options.h"
#include "scenario_flags.h"
#include "target_options.h"
#include "run/runner.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"

namespace memgate::cli {

namespace {

// --metrics: "off" closes the channel; otherwise the fields recorded as columns.
void apply_metrics_flag(const std::vector<std::string>& fields, run::RunOptions& o) {
  if (fields == std::vector<std::string>{"off"}) {
    o.metrics_channel = false;
    return;
  }
  o.metric_fields.clear();
  for (const auto& field : fields)
    if (!field.empty()) o.metric_fields.push_back(field);
}

// The scenario fills in everything the command line did not set explicitly. `path` is
// a copy: it comes from o.command, which this replaces.
void apply_scenario(const CLI::App& cmd, const std::string path, const ScenarioFlags& flags, run::RunOptions& o,
                    TargetFlags& target) {
  const auto scenario = load_scenario(flags, path);
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
      "  memgate run --profile ci scenarios/air_quality_burst.json                  (its CI form, <= 60 s)\n"
      "  memgate run --profile ci,unbounded_queue scenarios/air_quality_burst.json  (with the anti-pattern: fails)\n"
      "  memgate run --time-scale 24 scenarios/hydrology_soak.json   (its day in an hour, at 24x the rates)\n"
      "Scenario profiles are named patches in the file (docs/scenarios.md, Profiles); an unknown\n"
      "name lists the ones the file has. Targets may write metrics and a final accounting line\n"
      "to $MEMGATE_METRICS_PATH (docs/metrics-channel.md).\n"
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
  cmd->add_option("--target-log", options->target_log,
                  "Write the target's stdout and stderr to PATH instead of this terminal (memgate compare keeps each run's in "
                  "its run directory as target.log)")
      ->type_name("PATH");
  cmd->add_flag("--no-plot{false}", options->plot, "Do not render timeline.png at the end");
  cmd->add_flag("--quiet,-q", options->quiet, "No progress output");
  add_check_options(*cmd, options->checks);
  auto scenario_flags = std::make_shared<ScenarioFlags>();
  add_scenario_options(*cmd, *scenario_flags);
  auto metrics = std::make_shared<std::vector<std::string>>();  // fields, or {"off"}; unset: the scenario's
  cmd->add_option("--metrics", *metrics,
                  "Metrics-channel fields recorded as metric_<field> columns (e.g. queue_depth,utilisation), or off to "
                  "not set MEMGATE_METRICS_PATH (default: the scenario's sampling.metrics; the channel is always open)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->type_name("LIST")
      ->group(kScenarioGroup);
  auto target_flags = std::make_shared<TargetFlags>();
  add_target_options(*cmd, *target_flags);
  cmd->add_option("command", options->command, "The command to run, after --; or one SCENARIO.json")
      ->required()
      ->type_name("CMD ARGS...");
  cmd->callback([cmd, options, grace, target_flags, scenario_flags, metrics, &exit_code] {
    if (*grace) options->stop_grace_s = **grace;
    if (run::is_scenario_argument(options->command)) {
      apply_scenario(*cmd, options->command.front(), *scenario_flags, *options, *target_flags);
    } else {
      refuse_scenario_flags_without_scenario(*scenario_flags, "run");
    }
    if (cmd->count("--metrics")) apply_metrics_flag(*metrics, *options);
    apply_target_options(*target_flags, *options);
    const auto result = run::run(*options);
    std::fputs(result.summary.c_str(), stdout);
    exit_code = static_cast<int>(result.exit_code);
  });
}

}  // namespace memgate::cli
