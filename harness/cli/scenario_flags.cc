#include "scenario_flags.h"

#include "memgate/error.h"

namespace memgate::cli {

void add_scenario_options(CLI::App& app, ScenarioFlags& flags) {
  app.add_option("--profile", flags.profiles,
                 "Apply the scenario's named profiles, in order (e.g. ci, or ci,unbounded_queue); SCENARIO.json only")
      ->delimiter(',')
      ->allow_extra_args(false)  // `--profile ci SCENARIO.json`: the scenario is not a profile
      ->type_name("LIST")
      ->group(kScenarioGroup);
  app.add_option("--time-scale", flags.time_scale,
                 "Play the scenario's schedule N times faster (24: a day in an hour); replaces traffic.time_scale")
      ->check(CLI::Range(1e-6, 1e6))
      ->type_name("N")
      ->group(kScenarioGroup);
}

scenario::Scenario load_scenario(const ScenarioFlags& flags, const std::string& path) {
  return scenario::load_scenario(path, {flags.profiles, flags.time_scale});
}

void refuse_scenario_flags_without_scenario(const ScenarioFlags& flags, const std::string& subcommand) {
  if (!flags.profiles.empty() || flags.time_scale)
    throw Error(ExitCode::usage, "--profile and --time-scale apply to a scenario: memgate " + subcommand +
                                     " [--profile NAME] SCENARIO.json");
}

}  // namespace memgate::cli
