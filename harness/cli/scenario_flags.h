// The flags that only apply to a SCENARIO.json argument (--profile, --time-scale), shared
// by `memgate run` and `memgate compare` so both load a scenario the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "scenario/scenario.h"

namespace memgate::cli {

struct ScenarioFlags {
  std::vector<std::string> profiles;
  std::optional<double> time_scale;
};

inline constexpr const char* kScenarioGroup = "Scenario and metrics channel";

void add_scenario_options(CLI::App& app, ScenarioFlags& flags);

// Loads `path` with the flags' profiles and time scale applied.
scenario::Scenario load_scenario(const ScenarioFlags& flags, const std::string& path);

// Throws Error(usage) when --profile / --time-scale were given for a plain command.
void refuse_scenario_flags_without_scenario(const ScenarioFlags& flags, const std::string& subcommand);

}  // namespace memgate::cli
