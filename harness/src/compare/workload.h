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
  // `memgate sizes`: the configuration of one run at a work size. The default throws
  // Error(usage): the workload has no way to carry a size.
  virtual run::RunConfig run_config_at_size(const std::string& out_dir, double size) const;
};

// One run of a comparison: `base` (the flags `memgate run` takes) in its own run
// directory, quiet, its target's output kept in the run directory.
run::RunConfig compare_run_config(const run::RunConfig& base, const std::string& out_dir);

class CommandWorkload : public Workload {
 public:
  explicit CommandWorkload(run::RunConfig base);  // throws Error(usage) for an empty command
  std::string describe() const override;
  run::RunConfig run_config(const std::string& out_dir) const override;
  // "{size}" in the command's arguments replaced by the size.
  run::RunConfig run_config_at_size(const std::string& out_dir, double size) const override;
  bool has_size_placeholder() const;

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

// `memgate sizes SCENARIO.json`: the scenario loaded once per size (scenario::Overrides::size
// sets its "sizes" parameter and {size} placeholders), each applied as ScenarioWorkload
// applies it. Every size is loaded and validated now (Error(usage) before anything runs).
class SizedScenarioWorkload : public Workload {
 public:
  SizedScenarioWorkload(const std::string& path, scenario::Overrides overrides, const run::RunConfig& base,
                        const run::FlagOverrides& flags, const std::vector<double>& sizes);
  std::string describe() const override { return describe_; }
  run::RunConfig run_config(const std::string& out_dir) const override;  // at the smallest size
  run::RunConfig run_config_at_size(const std::string& out_dir, double size) const override;

 private:
  std::string describe_;
  std::vector<std::pair<double, run::RunConfig>> configs_;  // per size, the scenario applied
};

}  // namespace memgate::compare
