// The one way a scenario file becomes run options, shared by `memgate run SCENARIO.json`
// and `memgate compare SCENARIO.json`: the scenario's target, traffic, sampling and
// checks fill everything the command line did not set explicitly.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "report/check_settings.h"
#include "run/runner.h"
#include "scenario/scenario.h"

namespace memgate::run {

// What the command line set explicitly; it wins over the scenario.
struct FlagOverrides {
  std::set<std::string> flags;  // long names given: "--hz", "--duration", "--max-rss", ...
  report::CheckSettings checks;  // the check flags' values (only the given ones are used)
  bool given(std::string_view flag) const { return flags.count(std::string(flag)) > 0; }
};

// One argument ending in .json: a scenario rather than a command.
bool is_scenario_argument(const std::vector<std::string>& command);

// Sets o.scenario (for meta.json), metric_fields, command, cwd, traffic; appends the scenario's env; sampling (--hz, --pss-hz,
// --process-hz, --duration) and checks unless given. The allocator fields
// (target.allocator, target.purge_at_phases) are the caller's: `run` uses them,
// `compare` replaces the allocator per variant. Throws Error(usage) for bad checks.
void apply_scenario(const scenario::Scenario& scenario, const FlagOverrides& overrides, RunOptions& o);

}  // namespace memgate::run
