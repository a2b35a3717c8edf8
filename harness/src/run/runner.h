// `memgate run`: spawn the target, sample its tree until it exits / the duration
// ends / memgate is signalled, stream everything to the run directory, then build
// the report from what is on disk (the same code path as `memgate report DIR`).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "memgate/check.h"
#include "memgate/sampler.h"
#include "load/traffic_driver.h"
#include "report/check_settings.h"

namespace memgate::run {

struct RunOptions {
  std::vector<std::string> command;   // argv of the target
  std::vector<std::string> env_set;   // KEY=VALUE for the target (allocator, probe...)
  std::string cwd;                    // the target's working directory (empty: memgate's)
  std::optional<load::TrafficConfig> traffic;  // load to send while sampling (scenario runs)
  double drain_s = 10;                // after the traffic ends, time the target gets to exit by itself
  std::string out_dir;                // created if missing; empty: ./memgate-run-YYYYmmdd-HHMMSS
  double hz = 10;                     // tree samples per second
  double pss_hz = 1;                  // smaps_rollup reads per second (0: never)
  double process_hz = 1;              // per-process rows per second in processes.csv
  std::optional<double> duration_s;   // stop the target after this long
  double stop_grace_s = 10;           // SIGTERM, then SIGKILL after this long
  bool quiet = false;
  bool plot = true;                   // run reports/plot_timeline.py at the end
  std::string junit_path;             // also write the checks as JUnit XML here
  std::string target_log;             // the target's stdout and stderr go to this file; empty: memgate's own
  report::CheckSettings checks;
  // The metrics channel (docs/metrics-channel.md): on by default, since an idle FIFO costs
  // nothing and any target can start reporting without a flag. `metric_fields` become
  // metric_<field> columns in samples.csv; every field's latest value and the final
  // accounting line reach meta.json either way.
  bool metrics_channel = true;
  std::vector<std::string> metric_fields;
  nlohmann::json scenario;  // what a scenario run records in meta.json (null: a plain command)
  std::vector<std::unique_ptr<Sampler>> samplers;  // extra samplers (eBPF, allocator probe...)
  // Names of samplers whose failure to start is a note, not an error (eBPF in auto mode).
  std::set<std::string> optional_samplers;
  // Called when the traffic phase changes (after that tick's row is written), e.g. to
  // purge the allocator at the end of a burst (alloc::ProbeSampler::on_phase_change).
  std::function<void(double t_s, const std::string& from, const std::string& to, EventSink& events)> on_phase_change;
};

struct RunResult {
  ExitCode exit_code = ExitCode::internal;
  std::string out_dir;
  std::string summary;  // the closing summary printed for people
};

RunResult run(RunOptions& options);

}  // namespace memgate::run
