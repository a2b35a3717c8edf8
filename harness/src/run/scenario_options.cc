#include "run/scenario_options.h"

#include <tuple>

namespace memgate::run {

bool is_scenario_argument(const std::vector<std::string>& command) {
  return command.size() == 1 && command.front().ends_with(".json");
}

void apply_scenario(const scenario::Scenario& scenario, const FlagOverrides& overrides, RunConfig& o) {
  o.scenario = scenario::describe_for_meta(scenario);
  if (!overrides.given("--metrics")) o.samplers.metric_fields = scenario.sampling.metrics;
  if (!overrides.given("--allocator") && !scenario.target.allocator.empty())
    o.samplers.allocator = scenario.target.allocator;
  if (!overrides.given("--purge-at-phases")) o.samplers.purge_at_phases = scenario.target.purge_at_phases;
  for (auto [flag, field, value] :
       {std::tuple{"--memory-max", &o.samplers.memory_limits.max, scenario.target.limits.max},
        {"--memory-high", &o.samplers.memory_limits.high, scenario.target.limits.high},
        {"--swap-max", &o.samplers.memory_limits.swap_max, scenario.target.limits.swap_max}})
    if (!overrides.given(flag) && value) *field = value;
  o.command = scenario.target.command;
  o.env_set.insert(o.env_set.end(), scenario.target.env_set.begin(), scenario.target.env_set.end());
  o.cwd = scenario.target.cwd;
  o.traffic = scenario.traffic;
  if (!overrides.given("--hz")) o.hz = scenario.sampling.hz;
  if (!overrides.given("--pss-hz")) o.pss_hz = scenario.sampling.pss_hz;
  if (!overrides.given("--process-hz")) o.process_hz = scenario.sampling.process_hz;
  if (!overrides.given("--duration") && scenario.sampling.duration_s) o.duration_s = scenario.sampling.duration_s;
  if (!overrides.given("--report-every") && scenario.sampling.report_every_s)
    o.report_every_s = scenario.sampling.report_every_s;
  auto checks = report::check_settings_from_scenario(scenario.checks, scenario.file);
  report::override_checks(overrides.flags, overrides.checks, checks);
  o.checks = checks;
}

}  // namespace memgate::run
