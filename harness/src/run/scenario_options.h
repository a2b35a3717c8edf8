// The one way a scenario file becomes run options, shared by `memgate run SCENARIO.json`
// and `memgate compare SCENARIO.json`: the scenario's target, traffic, sampling and
// checks fill everything the command line did not set explicitly.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "report/check_registry.h"
#include "run/run_config.h"
#include "scenario/scenario.h"

namespace memgate::run {

// What the command line set explicitly; it wins over the scenario.
struct FlagOverrides {
  std::set<std::string> flags;   // long names given: "--hz", "--duration", "--max-rss", ...
  report::CheckSettings checks;  // the check flags' values (only the given ones are used)
  bool given(std::string_view flag) const { return flags.count(std::string(flag)) > 0; }
};

// One argument ending in .json: a scenario rather than a command.
bool is_scenario_argument(const std::vector<std::string>& command);

// Sets the scenario (for meta.json), command, cwd, traffic; appends the scenario's env;
// sampling (--hz, --pss-hz, --process-hz, --duration), metrics fields (--metrics), the
// allocator (--allocator, --purge-at-phases) and checks unless given. `compare` then
// replaces the allocator per variant. Throws Error(usage) for bad checks.
void apply_scenario(const scenario::Scenario& scenario, const FlagOverrides& overrides, RunConfig& c);

}  // namespace memgate::run
