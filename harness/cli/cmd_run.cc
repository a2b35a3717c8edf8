// memgate run [options] -- CMD ARGS...
// memgate run [options] SCENARIO.json   (flags given here override the scenario's)
// memgate run [options] --pid PID[,PID]  (processes already running: watched, never signalled)
#include <cstdio>
#include <memory>

#include "commands.h"
#include "export_options.h"
#include "memgate/error.h"
#include "output_options.h"
#include "record/json_file.h"
#include "run_options.h"
#include "run/run_session.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"

namespace memgate::cli {

void add_run_command(CLI::App& app, int& exit_code) {
  auto config = std::make_shared<run::RunConfig>();
  auto flags = std::make_shared<RunFlags>();
  auto* cmd = app.add_subcommand("run", "Run a command, sample its whole process tree, and judge its memory");
  cmd->footer(
      "Examples:\n"
      "  memgate run --duration 5m --max-rss 512M -- ./server --port 8080\n"
      "  memgate run --hz 100 --out runs/leak -- python3 job.py\n"
      "  memgate run --pid 4242 --duration 2h --max-rss 1G   (a service already running: never signalled)\n"
      "  memgate run scenarios/air_quality_burst.json      (a scenario: target, traffic, checks)\n"
      "  memgate run --profile ci scenarios/air_quality_burst.json                  (its CI form, <= 60 s: cycles)\n"
      "  memgate run --profile ci,keep_geometries scenarios/air_quality_burst.json  (with the anti-pattern: fails)\n"
      "  memgate run --time-scale 24 scenarios/hydrology_soak.json   (its day in an hour, at 24x the rates)\n"
      "Scenario profiles are named patches in the file (docs/scenarios.md, Profiles); an unknown\n"
      "name lists the ones the file has. Targets may write metrics and a final accounting line\n"
      "to $MEMGATE_METRICS_PATH (docs/metrics-channel.md).\n"
      "Exit codes: 0 pass, 1 a check failed, 2 inconclusive (see --inconclusive), 3 usage error,\n"
      "            4 target could not start / crashed / exited non-zero (--pid: no such process or not\n"
      "            readable), 5 internal error (e.g. the run directory ran out of space: the verdict\n"
      "            of what was written is still printed).");
  cmd->add_option("--out", config->out_dir, "Run directory (default: ./memgate-run-<timestamp>)")->type_name("DIR");
  cmd->add_flag("--force", config->force,
                "Replace the previous run in --out (without it, a directory holding a finished run is refused)");
  add_output_options(*cmd, config->outputs, config->json);
  cmd->add_option(
         "--target-log", config->target_log,
         "Write the target's stdout and stderr to PATH; - for this terminal (default: this terminal; with --json "
         "DIR/target.log; memgate compare keeps each run's in its run directory as target.log)")
      ->type_name("PATH");
  cmd->add_flag("--no-plot{false}", config->plot, "Do not render timeline.png at the end");
  cmd->add_flag("--quiet,-q", config->quiet, "No progress output");
  add_run_options(*cmd, *config, *flags);
  add_allocator_options(*cmd, config->samplers);
  add_export_options(*cmd, config->exports);
  cmd->add_option("--pid", config->attach_pids,
                  "Watch these running processes and their descendants instead of starting a command, until they "
                  "all exit or --duration ends; never signals them (repeat or comma-separate for several)")
      ->delimiter(',')
      ->type_name("PID[,PID...]");
  cmd->add_option("command", config->command, "The command to run, after --; or one SCENARIO.json")
      ->type_name("CMD ARGS...");
  cmd->callback([cmd, config, flags, &exit_code] {
    apply_run_flags(*cmd, *flags, *config);
    if (run::is_scenario_argument(config->command)) {
      // `path` is a copy: it comes from config->command, which the scenario replaces.
      const std::string path = config->command.front();
      run::apply_scenario(load_scenario(flags->scenario, path), flag_overrides(*cmd, *config), *config);
    } else {
      refuse_scenario_flags_without_scenario(flags->scenario, "run");
    }
    apply_cycle_flags(*flags, *config);
    const auto result = run::run(*config);
    if (!result.error.empty()) std::fprintf(stderr, "memgate: error: %s\n", result.error.c_str());
    // --json: stdout is the report alone; the summary for people goes to stderr then.
    if (config->json) {
      if (!config->quiet) std::fputs(result.summary.c_str(), stderr);
      std::puts(record::dump_json(result.report, 2).c_str());
    } else {
      std::fputs(result.summary.c_str(), stdout);
    }
    exit_code = static_cast<int>(result.exit_code);
  });
}

}  // namespace memgate::cli
