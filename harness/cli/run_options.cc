#include "run_options.h"

#include "load/cycles.h"
#include "memgate/error.h"
#include "memgate/units.h"
#include "options.h"

namespace memgate::cli {

namespace {

void add_sampling_options(CLI::App& app, run::RunConfig& c, RunFlags& f) {
  const std::string group = "Sampling";
  app.add_option("--hz", c.hz, "Samples per second of the whole tree")
      ->check(CLI::Range(0.001, 1000.0))
      ->capture_default_str()
      ->group(group);
  app.add_option("--pss-hz", c.pss_hz, "PSS reads per second (smaps_rollup is costlier; 0 = never)")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str()
      ->group(group);
  app.add_option("--process-hz", c.process_hz, "Per-process rows per second in processes.csv")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str()
      ->group(group);
  add_duration_option(app, "--duration", c.duration_s,
                      "Stop the target (SIGTERM to its group) after this long; with traffic, how long load is sent; "
                      "default: until it exits")
      ->group(group);
  app.add_option_function<std::string>(
         "--report-every",
         [&c](const std::string& text) {
           if (text == "off") {
             c.report_every_s = 0;
             return;
           }
           const auto seconds = parse_duration(text);
           if (!seconds || !(*seconds > 0))
             throw CLI::ValidationError("--report-every",
                                        "'" + text + "' is not a duration (examples: 30s, 15m) or off");
           c.report_every_s = *seconds;
         },
         "Write an interim report.json (status running, the verdict so far) and the --summary file this often "
         "while the run goes on; off: never (default: 15m for runs planned longer than an hour, else off)")
      ->type_name("DURATION|off")
      ->group(group);
  app.add_option_function<std::string>(
         "--log-segment",
         [&c](const std::string& text) {
           const auto bytes = text == "off" ? std::optional<std::uint64_t>(0) : parse_bytes(text);
           if (!bytes)
             throw CLI::ValidationError("--log-segment", "'" + text + "' is not a size (examples: 64M, 1G) or off");
           c.log_segment_bytes = *bytes;
         },
         "Close samples.csv, processes.csv and events.jsonl into zstd-compressed segments (NAME.000001.zst...) "
         "when they reach this size, so a days-long run stays within a disk budget; off: one uncompressed file "
         "each (default 64M)")
      ->type_name("SIZE|off")
      ->group(group);
  add_duration_option(app, "--grace", f.grace_s, "After SIGTERM, wait this long before SIGKILL (default 10s)")
      ->group(group);
  app.add_flag("--until-decided", c.until_decided,
               "Judge the plateau checks at planned looks and stop the target as soon as one decides them (FAIL or "
               "PASS at a group-sequential level that keeps the false-FAIL rate within the fixed-length check's); "
               "needs --max-duration")
      ->group(group);
  add_duration_option(app, "--max-duration", c.max_duration_s,
                      "With --until-decided: the longest the run may last (24h); with traffic, load is sent until "
                      "then or until decided")
      ->group(group);
  app.add_option("--abort-on", c.abort_on,
                 "Stop the target as soon as the run is decided FAIL: budget (a --max-rss/pss/fds/threads budget "
                 "crossed), fail (that, an OOM kill seen by eBPF, or load that could not be delivered); the run "
                 "is a FAIL, exit 1")
      ->check(CLI::IsMember({"none", "budget", "fail"}))
      ->capture_default_str()
      ->group(group);
}

void add_sampler_options(CLI::App& app, run::SamplerConfig& s) {
  const std::string group = "Allocator and samplers";
  app.add_flag_callback(
         "--purge-at-phases", [&s] { s.purge_at_phases.every = true; },
         "Ask the allocator to return free memory at every traffic phase change (e.g. burst -> recovery); "
         "the report shows what each purge returned")
      ->group(group);
  app.add_flag("--attribute", s.attribute,
               "Attribute the heap's growth to call sites: native targets sample live allocations with their "
               "call stacks (about one per 512 KiB allocated; needs --allocator; docs/attribution.md), Python "
               "targets get tracemalloc snapshots through a startup hook (docs/attribution-python.md)")
      ->group(group);
  app.add_option("--ebpf", s.ebpf, "eBPF sampler (exact peaks, OOM kills): auto uses it when it can")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str()
      ->group(group);
  app.add_flag("--ebpf-syscalls", s.ebpf_syscalls,
               "Also count fd and mmap/brk/madvise syscalls (slows every syscall on the machine)")
      ->group(group);
  app.add_flag("--ebpf-fault-hook", s.ebpf_fault_hook,
               "Also hook every user page fault (fault_hook_hits; page_faults come from the kernel's counters "
               "without it)")
      ->group(group);
  app.add_flag("--verbose,-v", s.verbose, "Show libbpf's messages")->group(group);
}

// As systemd's MemoryMax / MemoryHigh / MemorySwapMax: the target's tree in a memory
// cgroup of memgate's making (sys/cgroup.h), sampled by the cgroup sampler.
void add_limit_options(CLI::App& app, MemoryLimits& l) {
  const std::string group = "Memory limits (cgroup)";
  add_size_option(app, "--memory-max", l.max,
                  "Run the target's tree under this memory limit (cgroup memory.max / v1 memory.limit_in_bytes): "
                  "an OOM kill at it fails the cgroup-oom check")
      ->group(group);
  add_size_option(app, "--memory-high", l.high,
                  "Reclaim the tree's memory above this (cgroup memory.high / v1 memory.soft_limit_in_bytes)")
      ->group(group);
  add_size_option(app, "--swap-max", l.swap_max,
                  "Swap the tree may use (cgroup memory.swap.max; v1: memory.memsw.limit_in_bytes = max + this)")
      ->group(group);
}

}  // namespace

void add_allocator_options(CLI::App& app, run::SamplerConfig& s) {
  const std::string group = "Allocator and samplers";
  app.add_option("--allocator", s.allocator,
                 "glibc, jemalloc, mimalloc, tcmalloc, or PATH.so (via LD_PRELOAD), with the heap probe; default: "
                 "the target's own, no probe")
      ->type_name("NAME")
      ->group(group);
  app.add_option("--alloc-env", s.alloc_env, "Allocator knob KEY=VALUE (MALLOC_CONF, MIMALLOC_*, ...); repeatable")
      ->type_name("KEY=VALUE")
      ->group(group);
}

void add_run_options(CLI::App& app, run::RunConfig& c, RunFlags& f) {
  add_sampling_options(app, c, f);
  add_check_options(app, c.checks);
  add_sampler_options(app, c.samplers);
  add_limit_options(app, c.samplers.memory_limits);
  add_duration_option(app, "--purge-every", f.purge_every_s,
                      "Ask the allocator to return free memory this often (30s, 5m); default: never")
      ->group("Allocator and samplers");
  add_scenario_options(app, f.scenario);
  app.add_option("--cycles", f.cycles,
                 "Run the scenario's stages as N identical cycles, each followed by a drain and a quiet time at rate "
                 "0; the quiet phases feed the per-cycle leak checks (rss-leak-per-cycle...)")
      ->check(CLI::Range(std::size_t{1}, load::kMaxCycles))
      ->type_name("N")
      ->group(kScenarioGroup);
  add_duration_option(app, "--cycle-drain", f.cycle_drain_s,
                      "With --cycles: time at rate 0 for the target to empty its queue (default 2s)")
      ->group(kScenarioGroup);
  add_duration_option(app, "--cycle-quiet", f.cycle_quiet_s,
                      "The quiescent measurement window after each cycle (default 2s; for cycles a target marks on "
                      "the metrics channel, default 1s)")
      ->group(kScenarioGroup);
  app.add_flag("--cycle-purge", f.cycle_purge,
               "Ask the allocator to purge when each quiet window starts (needs --allocator)")
      ->group(kScenarioGroup);
  app.add_option("--metrics", f.metrics,
                 "Metrics-channel fields recorded as metric_<field> columns (e.g. queue_depth,utilisation), or off to "
                 "not set MEMGATE_METRICS_PATH (default: the scenario's sampling.metrics; the channel is always open)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->type_name("LIST")
      ->group(kScenarioGroup);
}

void apply_run_flags(const CLI::App& app, const RunFlags& f, run::RunConfig& c) {
  if (c.until_decided && app.count("--duration"))
    throw Error(ExitCode::usage,
                "--until-decided stops when decided: give its longest run as --max-duration, not --duration");
  if (f.grace_s) c.stop_grace_s = *f.grace_s;
  c.duration_given = app.count("--duration") > 0;
  if (f.purge_every_s) {
    if (!(*f.purge_every_s > 0)) throw Error(ExitCode::usage, "--purge-every must be positive (e.g. 30s)");
    c.samplers.purge_every_s = *f.purge_every_s;
  }
  if (app.count("--metrics")) {
    if (f.metrics == std::vector<std::string>{"off"}) {
      c.samplers.metrics_channel = false;
    } else {
      c.samplers.metric_fields.clear();
      for (const auto& field : f.metrics)
        if (!field.empty()) c.samplers.metric_fields.push_back(field);
    }
  }
}

void apply_cycle_flags(const RunFlags& f, run::RunConfig& c) {
  if (f.cycle_purge) c.samplers.purge_at_phases.cycle_quiet = true;
  if (!c.traffic) {
    if (f.cycles || f.cycle_drain_s)
      throw Error(ExitCode::usage,
                  "--cycles and --cycle-drain need a scenario with traffic; a command without traffic marks its own "
                  "cycles on the metrics channel (docs/metrics-channel.md, \"Cycles\")");
    if (f.cycle_quiet_s) c.cycle_mark_quiet_s = *f.cycle_quiet_s;
    return;
  }
  auto& cycles = c.traffic->cycles;
  if (!f.cycles && !f.cycle_drain_s && !f.cycle_quiet_s) return;
  if (f.cycles) cycles.count = *f.cycles;
  if (cycles.count == 0) throw Error(ExitCode::usage, "--cycle-drain and --cycle-quiet need --cycles N");
  if (f.cycle_drain_s) cycles.drain_s = *f.cycle_drain_s;
  if (f.cycle_quiet_s) cycles.quiet_s = *f.cycle_quiet_s;
  load::cycle_stages(c.traffic->stages, c.traffic->bursts.size(), cycles);  // refuses what no run can take
  if (!c.duration_given) c.duration_s = load::stages_length_s(c.traffic->stages, cycles) / c.traffic->time_scale;
}

run::FlagOverrides flag_overrides(const CLI::App& app, const run::RunConfig& c) { return {given_flags(app), c.checks}; }

}  // namespace memgate::cli
