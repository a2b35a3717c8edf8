// What `memgate compare` runs under each variant: a command line, or a scenario file
// (its target, traffic, sampling and checks), behind one interface, so the comparison
// code never needs to know which one it is driving.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/check_registry.h"
#include "run/run_config.h"
#include "run/scenario_options.h"
#include "scenario/scenario.h"

namespace memgate::compare {

class Workload {
 public:
  virtual ~Workload() = default;
  // One line for compare.json / compare.md, e.g. the command.
  virtual std::string describe() const = 0;
  // The configuration of one run, as `memgate run` would take it; compare sets the
  // variant's allocator and knobs on it.
  virtual run::RunConfig run_config(const std::string& out_dir) const = 0;
  // Lines for the user before the first run (e.g. an allocator the scenario names that
  // the variants replace).
  virtual std::vector<std::string> notes() const { return {}; }
};

// One run of a comparison: `base` (the flags `memgate run` takes) in its own run
// directory, quiet, its target's output kept in the run directory.
run::RunConfig compare_run_config(const run::RunConfig& base, const std::string& out_dir);

class CommandWorkload : public Workload {
 public:
  explicit CommandWorkload(run::RunConfig base);  // throws Error(usage) for an empty command
  std::string describe() const override;
  run::RunConfig run_config(const std::string& out_dir) const override;

 private:
  run::RunConfig base_;
};

// `memgate compare SCENARIO.json`: the scenario fills each run exactly as it does for
// `memgate run SCENARIO.json` (run::apply_scenario); flags given on the command line
// win. The scenario's target.allocator is replaced by each variant's allocator.
class ScenarioWorkload : public Workload {
 public:
  // `scenario` as scenario::load_scenario returns it (the caller picks how it is loaded);
  // the run options are validated now (Error(usage) before anything runs).
  ScenarioWorkload(scenario::Scenario scenario, run::RunConfig base, run::FlagOverrides overrides);
  std::string describe() const override;
  run::RunConfig run_config(const std::string& out_dir) const override;
  std::vector<std::string> notes() const override;
  const scenario::Scenario& scenario() const { return scenario_; }

 private:
  scenario::Scenario scenario_;
  run::RunConfig base_;  // the scenario applied
};

}  // namespace memgate::compare
