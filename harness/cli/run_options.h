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
  // --cycles, --cycle-drain, --cycle-quiet, --cycle-purge (docs/traffic.md, "Cycles").
  std::optional<std::size_t> cycles;
  std::optional<double> cycle_drain_s, cycle_quiet_s;
  bool cycle_purge = false;
};

void add_run_options(CLI::App& app, run::RunConfig& config, RunFlags& flags);

// `--allocator` and `--alloc-env` (`run`; `compare` names its variants instead).
void add_allocator_options(CLI::App& app, run::SamplerConfig& samplers);

// After parsing: puts the RunFlags into `config`. Throws Error(usage).
void apply_run_flags(const CLI::App& app, const RunFlags& flags, run::RunConfig& config);

// After the scenario is applied: --cycles and its companions patch its traffic (and the
// run's length when --duration was not given); without traffic only --cycle-quiet
// applies (cycles the target marks on the metrics channel). Throws Error(usage).
void apply_cycle_flags(const RunFlags& flags, run::RunConfig& config);

// What the command line set explicitly (it wins over a scenario file).
run::FlagOverrides flag_overrides(const CLI::App& app, const run::RunConfig& config);

}  // namespace memgate::cli
