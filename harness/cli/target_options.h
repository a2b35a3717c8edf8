// The `run` flags that decide how the target is run and watched beyond /proc: the
// allocator it gets (LD_PRELOAD + probe) and the eBPF sampler. Shared by every
// subcommand that runs targets.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "alloc/phase_purge.h"
#include "run/runner.h"

namespace memgate::cli {

struct TargetFlags {
  std::string allocator;  // empty: leave the target's allocator and environment alone (no probe)
  std::vector<std::string> alloc_env;
  double purge_every_s = 0;
  alloc::PhasePurge purge_at_phases;  // --purge-at-phases: every phase change
  std::string ebpf = "auto";  // auto | on | off
  bool ebpf_syscalls = false;
  bool ebpf_fault_hook = false;
  bool verbose = false;
};

void add_target_options(CLI::App& app, TargetFlags& flags);

// Adds the allocator's environment and the samplers to `options`, printing warnings
// and the eBPF fallback line. Throws memgate::Error for what cannot be honoured.
void apply_target_options(const TargetFlags& flags, run::RunOptions& options);

}  // namespace memgate::cli
