// What `memgate compare` runs under each variant. A command line today; a scenario
// file later implements the same interface (its target, traffic and checks), so the
// comparison code never needs to know which one it is driving.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/check_settings.h"
#include "run/runner.h"

namespace memgate::compare {

class Workload {
 public:
  virtual ~Workload() = default;
  // argv[0] of the target: prepare_allocator refuses static/setuid programs by it.
  virtual std::string target_program() const = 0;
  // One line for compare.json / compare.md, e.g. the command.
  virtual std::string describe() const = 0;
  // The options of one run (without the allocator: compare adds env and sampler).
  virtual run::RunOptions run_options(const std::string& out_dir) const = 0;
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

class CommandWorkload : public Workload {
 public:
  explicit CommandWorkload(RunSettings settings);  // throws Error(usage) for an empty command
  std::string target_program() const override { return settings_.command.front(); }
  std::string describe() const override;
  run::RunOptions run_options(const std::string& out_dir) const override;

 private:
  RunSettings settings_;
};

}  // namespace memgate::compare
