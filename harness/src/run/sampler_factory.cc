#include "run/sampler_factory.h"

#include <cstdio>
#include <filesystem>

#include "alloc/allocator_setup.h"
#include "memgate/error.h"
#include "metrics/metrics_sampler.h"
#include "sys/fs.h"
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

std::optional<alloc::AllocatorSetup> plan_allocator(const RunConfig& config) {
  const SamplerConfig& s = config.samplers;
  if (s.allocator.empty()) {
    if (!s.alloc_env.empty() || s.purge_every_s > 0 || s.purge_at_phases.enabled())
      throw Error(ExitCode::usage,
                  "--alloc-env, --purge-every and --purge-at-phases need --allocator (e.g. --allocator glibc)");
    return std::nullopt;
  }
  if (s.purge_at_phases.enabled() && !config.traffic)
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
  return alloc::prepare_allocator(request);
}

}  // namespace

std::vector<std::string> check_samplers(const RunConfig& config) {
  std::vector<std::string> notes;
  if (auto ebpf = plan_ebpf(config.samplers); !ebpf.note.empty()) notes.push_back(ebpf.note);
  if (auto setup = plan_allocator(config))
    for (auto& w : setup->warnings) notes.push_back("warning: " + w);
  return notes;
}

RunSamplers make_samplers(const RunConfig& config, const std::string& run_dir) {
  const SamplerConfig& s = config.samplers;
  RunSamplers out;
  if (s.metrics_channel) {
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
  if (auto setup = plan_allocator(config)) {
    for (auto& w : setup->warnings) out.notes.push_back("warning: " + w);
    out.target_env.insert(out.target_env.end(), setup->env_set.begin(), setup->env_set.end());
    if (setup->probe) out.slots.push_back({std::make_unique<alloc::ProbeSampler>(std::move(*setup->probe)), false});
  }
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
