// What the runner calls for `--allocator`, `--alloc-env` and `--purge-every`: turns
// them into the target's environment (LD_PRELOAD of the allocator and the probe, the
// probe session, the knobs) and the options of the ProbeSampler that verifies and
// samples it (built per run by the sampler factory, so validating builds nothing).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "alloc/probe_sampler.h"

namespace memgate::alloc {

struct AllocatorRequest {
  std::string allocator = "glibc";     // glibc|jemalloc|mimalloc|tcmalloc or a path to a .so
  std::vector<std::string> alloc_env;  // --alloc-env KEY=VALUE, validated against the table
  std::string target;                  // the target's argv[0] (resolved through PATH)
  double purge_every_s = 0;            // --purge-every; 0: on demand only
  PhasePurge purge_at_phases;          // --purge-at-phases / scenario target.purge_at_phases
  unsigned probe_interval_ms = 100;    // how often the probe refreshes its figures
  bool attribute = false;              // --attribute: preload the heap sampler too
};

struct AllocatorSetup {
  std::string allocator;                     // "jemalloc", or the custom library's path
  std::string library;                       // the file preloaded; empty for glibc
  std::vector<std::string> env_set;          // KEY=VALUE for the target
  std::optional<ProbeSamplerOptions> probe;  // none when the probe cannot load
  std::vector<std::string> warnings;         // one line each: print before the run
};

// Throws memgate::Error(ExitCode::usage) with one line naming the problem and the fix
// for an unknown allocator, a missing library, a bad knob, a missing probe library, or
// a non-glibc allocator / --purge-every for a static or setuid target.
AllocatorSetup prepare_allocator(const AllocatorRequest& request);

// The target's MEMGATE_PROBE_JEPROF_DIR=ATTRIBUTION_DIR/jeprof (KEY=VALUE): where the probe
// has jemalloc write its heap profiles under --allocator jemalloc --attribute.
std::string jeprof_dir_env(const std::string& attribution_dir);

// libmemgate_attrib.so (the --attribute heap sampler): $MEMGATE_ATTRIB_LIB, else the
// installed or built one (sys/install_paths.h). Throws Error(usage) when it does not exist.
std::string attrib_library_path();

// libmemgate_probe.so: $MEMGATE_PROBE_LIB, else the installed or built one (sys/install_paths.h).
// Throws Error(usage) when it does not exist.
std::string probe_library_path();

}  // namespace memgate::alloc
