#include "run/sampler_factory.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "alloc/allocator_setup.h"
#include "memgate/error.h"
#include "metrics/metrics_sampler.h"
#include "sample/cgroup_sampler.h"
#include "sample/descriptor_sampler.h"
#include "sample/pyheap_control.h"
#include "sys/host.h"
#include "sys/executable.h"
#include "sys/file_access.h"
#include "sys/fs.h"
#include "sys/install_paths.h"
#include "sys/read_file.h"
#ifdef MEMGATE_HAVE_EBPF
#include "ebpf/ebpf_sampler.h"
#endif

namespace memgate::run {

namespace {

// Whether the eBPF sampler runs: nullopt with a note when `auto` falls back to /proc.
struct EbpfPlan {
  bool attach = false;
  std::string note;
};

EbpfPlan plan_ebpf(const SamplerConfig& s) {
  if (s.ebpf == "off") {
    if (s.ebpf_syscalls) throw Error(ExitCode::usage, "--ebpf-syscalls needs the eBPF sampler: drop --ebpf off");
    if (s.ebpf_fault_hook) throw Error(ExitCode::usage, "--ebpf-fault-hook needs the eBPF sampler: drop --ebpf off");
    return {};
  }
  if (s.ebpf != "auto" && s.ebpf != "on") throw Error(ExitCode::usage, "--ebpf '" + s.ebpf + "': use auto, on or off");
#ifdef MEMGATE_HAVE_EBPF
  set_ebpf_logger(
      [](EbpfLogLevel, std::string_view line) {
        std::fprintf(stderr, "libbpf: %.*s\n", static_cast<int>(line.size()), line.data());
      },
      s.verbose);
  const Support support = ebpf_support();
  if (!support.ok) {
    if (s.ebpf == "on") throw Error(ExitCode::usage, "--ebpf on: " + support.reason);
    return {false, "eBPF unavailable (" + support.reason + "); sampling /proc only"};
  }
  return {true, ""};
#else
  if (s.ebpf == "on" || s.ebpf_syscalls || s.ebpf_fault_hook)
    throw Error(ExitCode::usage,
                "this memgate was built without the eBPF sampler (clang, bpftool, libbpf-dev and kernel "
                "BTF are needed at build time): rebuild, or use --ebpf off");
  return {};
#endif
}

// --attribute on a CPython target means the Python hook (tracemalloc); elsewhere the
// native heap sampler, which needs the probe.
bool python_target(const RunConfig& config) {
  const std::string program = sys::find_program(target_program(config));
  if (program.empty()) return false;
  const auto head = sys::read_file_head(program, 256);
  std::string text;
  if (head) text.assign(reinterpret_cast<const char*>(head->data()), head->size());
  return sample::is_python_program(program, text);
}

std::optional<alloc::AllocatorSetup> plan_allocator(const RunConfig& config) {
  const SamplerConfig& s = config.samplers;
  const bool native_attribution = s.attribute && !python_target(config);
  if (s.allocator.empty()) {
    if (native_attribution)
      throw Error(ExitCode::usage,
                  "--attribute samples allocations through the heap probe: add --allocator glibc (or the allocator the "
                  "target runs with: jemalloc, mimalloc, tcmalloc)");
    if (!s.alloc_env.empty() || s.purge_every_s > 0 || s.purge_at_phases.enabled())
      throw Error(
          ExitCode::usage,
          "--alloc-env, --purge-every, --purge-at-phases and --cycle-purge need --allocator (e.g. --allocator glibc)");
    return std::nullopt;
  }
  // Cycles marked on the metrics channel are phases too: --cycle-purge works without traffic.
  if ((s.purge_at_phases.every || !s.purge_at_phases.entering.empty()) && !config.traffic)
    throw Error(
        ExitCode::usage,
        "--purge-at-phases needs traffic phases (warmup, burst, recovery...): run a SCENARIO.json with traffic, "
        "or use --purge-every for a plain command");
  alloc::AllocatorRequest request;
  request.allocator = s.allocator;
  request.alloc_env = s.alloc_env;
  request.target = target_program(config);
  request.purge_every_s = s.purge_every_s;
  request.purge_at_phases = s.purge_at_phases;
  request.probe_interval_ms = s.probe_interval_ms;
  request.attribute = native_attribution;
  return alloc::prepare_allocator(request);
}

// Whether the limits can be applied here (a usage error naming the flag and the fix when
// not), and what to tell the user about them.
std::optional<sys::CgroupSupport> plan_cgroup(const MemoryLimits& limits, std::vector<std::string>& notes) {
  if (!limits.any()) return std::nullopt;
  const std::string flag = limits.max ? "--memory-max" : limits.high ? "--memory-high" : "--swap-max";
  if (limits.max && limits.high && *limits.high > *limits.max)
    throw Error(ExitCode::usage, "--memory-high is above --memory-max: it would never act; lower it or drop it");
  if (limits.max && *limits.max < (4u << 20))
    throw Error(ExitCode::usage, "--memory-max below 4M cannot run a program: give a larger limit");
  sys::CgroupSupport support = sys::detect_memory_cgroup();
  if (!support.ok) throw Error(ExitCode::usage, flag + ": " + support.detail + "; fix: " + support.fix);
  if (limits.swap_max && !support.swap_accounting)
    throw Error(ExitCode::usage,
                "--swap-max: this kernel does not account swap per cgroup (no memory.swap.max / memory.memsw.*); "
                "fix: boot with swapaccount=1, or drop --swap-max");
  if (limits.swap_max && support.version == sys::CgroupVersion::v1 && !limits.max)
    throw Error(ExitCode::usage, "--swap-max: cgroup v1 limits memory and swap together; fix: give --memory-max too");
  if (limits.swap_max && sys::swap_total_bytes() == 0)
    notes.push_back("--swap-max has no effect here: this machine has no swap");
  if (limits.high && support.version == sys::CgroupVersion::v1)
    notes.push_back(
        "--memory-high on cgroup v1 is memory.soft_limit_in_bytes: reclaimed towards only under host "
        "memory pressure, and no reclaim events are counted");
  return support;
}

// Where the Python startup hook lives: $MEMGATE_PYHOOK_DIR, installed, or the source tree.
std::string pyhook_dir() { return std::filesystem::absolute(sys::locate(sys::Part::pyhook).path).string(); }

// The PYTHONPATH the target would have had: the scenario's, else memgate's own.
std::string existing_pythonpath(const RunConfig& config) {
  for (const auto& entry : config.env_set)
    if (entry.rfind("PYTHONPATH=", 0) == 0) return entry.substr(11);
  const char* env = std::getenv("PYTHONPATH");
  return env ? env : "";
}

// --attribute: the Python hook for a CPython target.
void add_attribution(const RunConfig& config, const std::string& run_dir, RunSamplers& out) {
  if (!config.samplers.attribute) return;
  if (!python_target(config)) return;  // the native heap sampler (plan_allocator)
  if (!config.samplers.metrics_channel)
    throw Error(ExitCode::usage,
                "--attribute on a Python target sends its snapshots on the metrics channel: drop --metrics off");
  const std::string hook = pyhook_dir();
  if (!sys::is_readable(hook + "/sitecustomize.py"))
    throw Error(ExitCode::usage, "--attribute: " + hook + "/sitecustomize.py not found (set MEMGATE_PYHOOK_DIR)");
  const std::string control = std::filesystem::absolute(run_dir + "/pyheap.control").string();
  out.target_env.push_back("PYTHONPATH=" + sample::pythonpath_with_hook(hook, existing_pythonpath(config)));
  out.target_env.push_back(std::string(sample::kPyHeapControlEnv) + "=" + control);
  out.slots.push_back({std::make_unique<sample::PyHeapControl>(control), false});
}

}  // namespace

std::vector<std::string> check_samplers(const RunConfig& config) {
  std::vector<std::string> notes;
  plan_cgroup(config.samplers.memory_limits, notes);
  if (auto ebpf = plan_ebpf(config.samplers); !ebpf.note.empty()) notes.push_back(ebpf.note);
  if (auto setup = plan_allocator(config))
    for (auto& w : setup->warnings) notes.push_back("warning: " + w);
  return notes;
}

RunSamplers make_samplers(const RunConfig& config, const std::string& run_dir) {
  const SamplerConfig& s = config.samplers;
  RunSamplers out;
  // An attached process (--pid) was started without MEMGATE_METRICS_PATH: no channel.
  if (s.metrics_channel && config.attach_pids.empty()) {
    // The FIFO lives in the run directory; one left by a memgate that was killed is ours
    // to replace. Its path is absolute: the target may run in another directory.
    metrics::MetricsOptions m;
    m.fifo_path = std::filesystem::absolute(run_dir + "/metrics.fifo").string();
    sys::remove_stale_fifo(m.fifo_path);
    m.fields = s.metric_fields;
    auto sampler = std::make_unique<metrics::MetricsSampler>(std::move(m));
    out.target_env.push_back(sampler->env_for_target());
    out.slots.push_back({std::move(sampler), false});
  }
  // Which descriptors the target holds, for the fd checks' messages (cheap: a few /proc
  // reads every 2 s).
  out.slots.push_back({std::make_unique<sample::DescriptorSampler>(), false});
  if (auto setup = plan_allocator(config)) {
    for (auto& w : setup->warnings) out.notes.push_back("warning: " + w);
    out.target_env.insert(out.target_env.end(), setup->env_set.begin(), setup->env_set.end());
    if (setup->probe && s.attribute && !python_target(config)) {
      setup->probe->attribution_dir = std::filesystem::absolute(run_dir + "/" + alloc::kAttributionDir).string();
      if (setup->probe->jemalloc_profile)  // where the probe has jemalloc write its dumps
        out.target_env.push_back(alloc::jeprof_dir_env(setup->probe->attribution_dir));
    }
    if (setup->probe) out.slots.push_back({std::make_unique<alloc::ProbeSampler>(std::move(*setup->probe)), false});
  }
  // Cgroups of a memgate that was SIGKILLed are cleaned by the next run that can.
  const sys::CgroupSupport support = sys::detect_memory_cgroup();
  for (auto& note : sys::remove_stale_cgroups(support)) out.notes.push_back(std::move(note));
  if (plan_cgroup(s.memory_limits, out.notes)) {
    out.cgroup = sys::MemoryCgroup::create(support, s.memory_limits);
    auto sampler = std::make_unique<sample::CgroupSampler>(out.cgroup);
    out.cgroup_figures = sampler->initial_figures();
    out.slots.push_back({std::move(sampler), false});
  }
  add_attribution(config, run_dir, out);
  const EbpfPlan ebpf = plan_ebpf(s);
  if (!ebpf.note.empty()) out.notes.push_back(ebpf.note);
#ifdef MEMGATE_HAVE_EBPF
  if (ebpf.attach) {
    EbpfOptions options;
    options.syscalls = s.ebpf_syscalls;
    options.fault_hook = s.ebpf_fault_hook;
    out.slots.push_back({make_ebpf_sampler(options), s.ebpf == "auto"});
  }
#endif
  return out;
}

}  // namespace memgate::run
