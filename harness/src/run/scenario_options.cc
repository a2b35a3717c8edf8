#include "run/scenario_options.h"

#include <algorithm>
#include <tuple>

namespace memgate::run {

namespace {
// Caps of the rates `--time-scale` raises: 50 tree samples/s (~1 ms of a core per second
// for a small tree); 10 PSS reads and process rows per second (smaps_rollup costs ~0.8 ms).
constexpr double kMaxScaledHz = 50;
constexpr double kMaxScaledPssHz = 10;
}  // namespace

bool is_scenario_argument(const std::vector<std::string>& command) {
  return command.size() == 1 && command.front().ends_with(".json");
}

void apply_scenario(const scenario::Scenario& scenario, const FlagOverrides& overrides, RunConfig& o) {
  o.scenario = scenario::describe_for_meta(scenario);
  if (!overrides.given("--metrics")) o.samplers.metric_fields = scenario.sampling.metrics;
  if (!overrides.given("--allocator") && !scenario.target.allocator.empty())
    o.samplers.allocator = scenario.target.allocator;
  if (!overrides.given("--purge-at-phases")) o.samplers.purge_at_phases = scenario.target.purge_at_phases;
  if (!overrides.given("--attribute")) o.samplers.attribute = scenario.target.attribute;
  for (auto [flag, field, value] :
       {std::tuple{"--memory-max", &o.samplers.memory_limits.max, scenario.target.limits.max},
        {"--memory-high", &o.samplers.memory_limits.high, scenario.target.limits.high},
        {"--swap-max", &o.samplers.memory_limits.swap_max, scenario.target.limits.swap_max}})
    if (!overrides.given(flag) && value) *field = value;
  o.command = scenario.target.command;
  o.env_set.insert(o.env_set.end(), scenario.target.env_set.begin(), scenario.target.env_set.end());
  o.cwd = scenario.target.cwd;
  o.traffic = scenario.traffic;
  if (o.traffic && o.traffic->cycles.purge) o.samplers.purge_at_phases.cycle_quiet = true;
  // The file's rates were chosen for its own time_scale: `--time-scale N` compressing it
  // further scales them too (a 24 h soak at 1 Hz compressed 720x would get 5 samples per
  // scenario hour), capped so sampling stays cheap; never below the written rate, and a
  // rate given as a flag is left alone.
  const double factor =
      scenario.time_scale_override ? std::max(1.0, *scenario.time_scale_override / scenario.written_time_scale) : 1.0;
  const auto scaled = [factor](double hz, double cap) {
    return hz > 0 ? std::max(hz, std::min(hz * factor, cap)) : hz;
  };
  if (!overrides.given("--hz")) o.hz = scaled(scenario.sampling.hz, kMaxScaledHz);
  if (!overrides.given("--pss-hz")) o.pss_hz = scaled(scenario.sampling.pss_hz, kMaxScaledPssHz);
  if (!overrides.given("--process-hz")) o.process_hz = scaled(scenario.sampling.process_hz, kMaxScaledPssHz);
  if (!overrides.given("--duration") && scenario.sampling.duration_s) o.duration_s = scenario.sampling.duration_s;
  if (!overrides.given("--until-decided") && scenario.sampling.until_decided) o.until_decided = true;
  if (!overrides.given("--max-duration") && scenario.sampling.max_duration_s)
    o.max_duration_s = scenario.sampling.max_duration_s;
  if (!overrides.given("--abort-on") && scenario.sampling.abort_on) o.abort_on = *scenario.sampling.abort_on;
  if (!overrides.given("--report-every") && scenario.sampling.report_every_s)
    o.report_every_s = scenario.sampling.report_every_s;
  if (!overrides.given("--log-segment") && scenario.sampling.log_segment_bytes)
    o.log_segment_bytes = *scenario.sampling.log_segment_bytes;
  auto checks = report::check_settings_from_scenario(scenario.checks, scenario.file);
  report::override_checks(overrides.flags, overrides.checks, checks);
  o.checks = checks;
}

}  // namespace memgate::run
