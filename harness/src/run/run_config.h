// Everything one run needs, as plain values: copyable and passed as const&. `memgate
// run` fills it from its flags (cli/run_options.h) and a scenario file
// (run/scenario_options.h); `memgate compare` fills one the same way and changes only
// the allocator per variant, so a compare variant runs exactly as `memgate run` would.
// A RunSession (run/run_session.h) turns it into a run directory and a verdict.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "alloc/phase_purge.h"
#include "memgate/memory_limits.h"
#include "record/segments.h"
#include "load/traffic_driver.h"
#include "report/check_registry.h"
#include "report/ci_outputs.h"
#include "run/export_config.h"

namespace memgate::run {

// What the run watches beyond /proc; the sampler factory (run/sampler_factory.h) builds
// the samplers from it at the start of each run.
struct SamplerConfig {
  // The allocator under the target (LD_PRELOAD + the heap probe); empty: the target's
  // own, no probe (the probe adds a thread and LD_PRELOAD: only on request).
  std::string allocator;
  std::vector<std::string> alloc_env;  // allocator knobs KEY=VALUE
  double purge_every_s = 0;            // 0: never
  alloc::PhasePurge purge_at_phases;
  unsigned probe_interval_ms = 100;
  // --attribute: where the heap grows. Native targets: sampled heap profiles through the
  // probe (docs/attribution.md; needs --allocator). CPython targets: a startup hook
  // (harness/pyhook/sitecustomize.py) sends tracemalloc snapshots on the metrics channel
  // (docs/attribution-python.md).
  bool attribute = false;
  std::string ebpf = "auto";  // auto | on | off
  bool ebpf_syscalls = false;
  bool ebpf_fault_hook = false;
  bool verbose = false;  // libbpf's messages
  // The metrics channel (docs/metrics-channel.md): on by default, since an idle FIFO
  // costs nothing and any target can start reporting without a flag. `metric_fields`
  // become metric_<field> columns in samples.csv.
  bool metrics_channel = true;
  std::vector<std::string> metric_fields;
  // --memory-max, --memory-high, --swap-max (or a scenario's target.limits): the target's
  // tree runs in a memory cgroup of memgate's making, read by the cgroup sampler.
  MemoryLimits memory_limits;
};

struct RunConfig {
  std::vector<std::string> command;  // argv of the target
  // --pid: watch these processes (and their descendants), already running, instead of
  // starting a command; memgate never signals them (docs/soak.md, "Attaching").
  std::vector<int> attach_pids;
  std::vector<std::string> env_set;            // KEY=VALUE for the target (a scenario's env)
  std::string cwd;                             // the target's working directory (empty: memgate's)
  std::optional<load::TrafficConfig> traffic;  // load to send while sampling (scenario runs)
  double drain_s = 10;                         // after the traffic ends, time the target gets to exit by itself
  std::string out_dir;                         // created if missing; empty: ./memgate-run-YYYYmmdd-HHMMSS
  bool force = false;                          // replace a previous finished run in out_dir
  double hz = 10;                              // tree samples per second
  double pss_hz = 1;                           // smaps_rollup reads per second (0: never)
  double process_hz = 1;                       // per-process rows per second in processes.csv
  std::optional<double> duration_s;            // stop the target after this long
  bool duration_given = false;                 // --duration was typed (cycles given by flag keep it)
  // Cycles a target marks on the metrics channel ({"cycle_done": N}): the quiet window
  // tagged "cycle N quiet" after each mark (docs/metrics-channel.md, "Cycles").
  double cycle_mark_quiet_s = 1;
  double stop_grace_s = 10;  // SIGTERM, then SIGKILL after this long
  // --report-every: interim report.json/summary this often (0: never); nullopt: every
  // 15 minutes for a run planned to last longer than an hour (run::report_interval).
  std::optional<double> report_every_s;
  // --log-segment: samples.csv, processes.csv and events.jsonl are closed into
  // zstd-compressed segments of about this size (record/segments.h); 0: never.
  std::uint64_t log_segment_bytes = record::kDefaultSegmentBytes;
  // --abort-on: stop the target as soon as the run is decided FAIL. "none"; "budget": a
  // budget was crossed; "fail": that, an OOM kill the eBPF sampler saw, or a traffic
  // sender that failed (the checks those make FAIL whatever happens next).
  std::string abort_on = "none";
  // --until-decided: judge the plateau checks at planned looks and stop the target as
  // soon as a look decides them (analyze/sequential.h); the run lasts at most
  // max_duration_s (--max-duration, or a scenario's sampling.max_duration_s).
  bool until_decided = false;
  std::optional<double> max_duration_s;
  bool quiet = false;
  bool plot = true;               // run reports/plot_timeline.py at the end
  report::OutputOptions outputs;  // JUnit, markdown summary, --inconclusive (docs/ci.md)
  // The target's stdout and stderr go to this file; empty: memgate's own (with --json:
  // DIR/target.log); "-": memgate's own, also with --json.
  std::string target_log;
  // --json: stdout carries the report only, so the target's output goes to DIR/target.log
  // when target_log is empty.
  bool json = false;
  report::CheckSettings checks;
  nlohmann::json scenario;  // what a scenario run records in meta.json (null: a plain command)
  SamplerConfig samplers;
  ExportConfig exports;  // --prometheus-textfile, --metrics-listen (run/live_export.h)
};

// argv[0] as the target will exec it (a relative path is relative to the target's cwd):
// the allocator set-up refuses static and setuid programs by it.
std::string target_program(const RunConfig& config);

// Throws Error(usage) naming the flag for values no run can take. Checks the sampler
// requests too (allocator, knobs, eBPF, purges) without building any sampler, so
// `compare` can validate every variant before the first run. Returns what the samplers
// will say (fallbacks, knob warnings), one line each.
std::vector<std::string> validate(const RunConfig& config);

}  // namespace memgate::run
