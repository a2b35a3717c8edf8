#include "target_options.h"

#include <cstdio>

#include "alloc/allocator_setup.h"
#include "memgate/error.h"
#include "run/allocator_attach.h"
#ifdef MEMGATE_HAVE_EBPF
#include "ebpf/ebpf_sampler.h"
#endif

namespace memgate::cli {

void add_target_options(CLI::App& app, TargetFlags& f) {
  const std::string group = "Allocator and samplers";
  app.add_option("--allocator", f.allocator,
                 "glibc, jemalloc, mimalloc, tcmalloc, or PATH.so (via LD_PRELOAD), with the heap probe; default: "
                 "the target's own, no probe")
      ->type_name("NAME")
      ->group(group);
  app.add_option("--alloc-env", f.alloc_env, "Allocator knob KEY=VALUE (MALLOC_CONF, MIMALLOC_*, ...); repeatable")
      ->type_name("KEY=VALUE")
      ->group(group);
  app.add_option("--purge-every", f.purge_every_s, "Ask the allocator to return free memory every N seconds")
      ->type_name("SECONDS")
      ->check(CLI::NonNegativeNumber)
      ->group(group);
  app.add_flag_callback(
         "--purge-at-phases", [&f] { f.purge_at_phases.every = true; },
         "Ask the allocator to return free memory at every traffic phase change (e.g. burst -> recovery); "
         "the report shows what each purge returned")
      ->group(group);
  app.add_option("--ebpf", f.ebpf, "eBPF sampler (exact peaks, OOM kills): auto uses it when it can")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str()
      ->group(group);
  app.add_flag("--ebpf-syscalls", f.ebpf_syscalls,
               "Also count fd and mmap/brk/madvise syscalls (slows every syscall on the machine)")
      ->group(group);
  app.add_flag("--ebpf-fault-hook", f.ebpf_fault_hook,
               "Also hook every user page fault (fault_hook_hits; page_faults come from the kernel's counters "
               "without it)")
      ->group(group);
  app.add_flag("--verbose,-v", f.verbose, "Show libbpf's messages")->group(group);
}

namespace {

void add_ebpf_sampler(const TargetFlags& f, run::RunOptions& options) {
  if (f.ebpf == "off") {
    if (f.ebpf_syscalls) throw Error(ExitCode::usage, "--ebpf-syscalls needs the eBPF sampler: drop --ebpf off");
    if (f.ebpf_fault_hook) throw Error(ExitCode::usage, "--ebpf-fault-hook needs the eBPF sampler: drop --ebpf off");
    return;
  }
#ifdef MEMGATE_HAVE_EBPF
  set_ebpf_logger([](EbpfLogLevel, std::string_view line) { std::fprintf(stderr, "libbpf: %.*s\n", static_cast<int>(line.size()), line.data()); },
                  f.verbose);
  const Support support = ebpf_support();
  if (!support.ok) {
    if (f.ebpf == "on") throw Error(ExitCode::usage, "--ebpf on: " + support.reason);
    if (!options.quiet) std::fprintf(stderr, "memgate: eBPF unavailable (%s); sampling /proc only\n", support.reason.c_str());
    return;
  }
  EbpfOptions ebpf;
  ebpf.syscalls = f.ebpf_syscalls;
  ebpf.fault_hook = f.ebpf_fault_hook;
  options.samplers.push_back(make_ebpf_sampler(ebpf));
  // A sampler that fails to attach in auto mode is dropped by the runner with one line.
  if (f.ebpf == "auto") options.optional_samplers.insert(options.samplers.back()->name());
#else
  if (f.ebpf == "on" || f.ebpf_syscalls || f.ebpf_fault_hook)
    throw Error(ExitCode::usage, "this memgate was built without the eBPF sampler (clang, bpftool, libbpf-dev and kernel "
                                 "BTF are needed at build time): rebuild, or use --ebpf off");
#endif
}

}  // namespace

void apply_target_options(const TargetFlags& f, run::RunOptions& options) {
  add_ebpf_sampler(f, options);
  if (f.allocator.empty()) {
    // The probe adds a thread and LD_PRELOAD to the target: only on request.
    if (!f.alloc_env.empty() || f.purge_every_s > 0 || f.purge_at_phases.enabled())
      throw Error(ExitCode::usage,
                  "--alloc-env, --purge-every and --purge-at-phases need --allocator (e.g. --allocator glibc)");
    return;
  }
  alloc::AllocatorRequest request;
  request.allocator = f.allocator;
  request.alloc_env = f.alloc_env;
  request.target = run::target_program(options);
  request.purge_every_s = f.purge_every_s;
  request.purge_at_phases = f.purge_at_phases;
  auto setup = alloc::prepare_allocator(request);
  for (const auto& warning : setup.warnings) std::fprintf(stderr, "memgate: warning: %s\n", warning.c_str());
  run::attach_allocator(std::move(setup), f.purge_at_phases, options);
}

}  // namespace memgate::cli
