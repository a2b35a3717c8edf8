// What `memgate compare` runs under each variant: a command line, or a scenario file
// (its target, traffic, sampling and checks), behind one interface, so the comparison
// code never needs to know which one it is driving.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/check_settings.h"
#include "run/runner.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"

namespace memgate::compare {

class Workload {
 public:
  virtual ~Workload() = default;
  // One line for compare.json / compare.md, e.g. the command.
  virtual std::string describe() const = 0;
  // The options of one run (without the allocator: compare adds env and sampler).
  virtual run::RunOptions run_options(const std::string& out_dir) const = 0;
  // Lines for the user before the first run (e.g. an allocator the scenario names that
  // the variants replace).
  virtual std::vector<std::string> notes() const { return {}; }
};

// The run options `memgate run` takes, minus the per-run ones (out dir, samplers).
struct RunSettings {
  std::vector<std::string> command;
  std::vector<std::string> env_set;
  double hz = 10, pss_hz = 1, process_hz = 1;
  std::optional<double> duration_s;
  double stop_grace_s = 10;
  report::CheckSettings checks;
};

// The per-run options both workloads start from (quiet, no per-run plot).
run::RunOptions base_run_options(const RunSettings& settings, const std::string& out_dir);

class CommandWorkload : public Workload {
 public:
  explicit CommandWorkload(RunSettings settings);  // throws Error(usage) for an empty command
  std::string describe() const override;
  run::RunOptions run_options(const std::string& out_dir) const override;

 private:
  RunSettings settings_;
};

// `memgate compare SCENARIO.json`: the scenario fills each run exactly as it does for
// `memgate run SCENARIO.json` (run::apply_scenario); flags given on the command line
// win. The scenario's target.allocator is replaced by each variant's allocator.
class ScenarioWorkload : public Workload {
 public:
  // `scenario` as scenario::load_scenario returns it (the caller picks how it is loaded);
  // the run options are validated now (Error(usage) before anything runs).
  ScenarioWorkload(scenario::Scenario scenario, RunSettings settings, run::FlagOverrides overrides);
  std::string describe() const override;
  run::RunOptions run_options(const std::string& out_dir) const override;
  std::vector<std::string> notes() const override;
  const scenario::Scenario& scenario() const { return scenario_; }

 private:
  scenario::Scenario scenario_;
  RunSettings settings_;
  run::FlagOverrides overrides_;
};

}  // namespace memgate::compare
