// The flags of every subcommand that runs targets (`run`, `compare`): sampling, the
// samplers, the checks and the scenario options, parsed into one run::RunConfig, so the
// same flag means the same thing everywhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "run/run_config.h"
#include "run/scenario_options.h"
#include "scenario_flags.h"

namespace memgate::cli {

// Flag values that need a step after parsing to land in the RunConfig.
struct RunFlags {
  std::optional<double> grace_s, purge_every_s;
  std::vector<std::string> metrics;  // fields, or {"off"}; empty: the scenario's
  ScenarioFlags scenario;
};

void add_run_options(CLI::App& app, run::RunConfig& config, RunFlags& flags);

// `--allocator` and `--alloc-env` (`run`; `compare` names its variants instead).
void add_allocator_options(CLI::App& app, run::SamplerConfig& samplers);

// After parsing: puts the RunFlags into `config`. Throws Error(usage).
void apply_run_flags(const CLI::App& app, const RunFlags& flags, run::RunConfig& config);

// What the command line set explicitly (it wins over a scenario file).
run::FlagOverrides flag_overrides(const CLI::App& app, const run::RunConfig& config);

}  // namespace memgate::cli
