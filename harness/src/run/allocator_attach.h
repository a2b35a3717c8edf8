// Puts a prepared allocator (alloc::prepare_allocator) under one run: its environment
// (LD_PRELOAD, probe session, knobs), its probe sampler, and the phase hook that purges
// at phase boundaries. The one way `memgate run` and `memgate compare` do it.
#pragma once

#include "alloc/allocator_setup.h"
#include "run/runner.h"

namespace memgate::run {

// argv[0] as the target will exec it (a relative path is relative to the target's cwd):
// prepare_allocator refuses static and setuid programs by it.
std::string target_program(const RunOptions& options);

// Throws Error(usage) when phase purges are asked for a run without traffic phases
// (a plain command has one phase, "run").
void attach_allocator(alloc::AllocatorSetup setup, const alloc::PhasePurge& purge_at_phases, RunOptions& options);

}  // namespace memgate::run
