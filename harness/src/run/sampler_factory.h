// The one place a run's samplers are chosen and built from its SamplerConfig: the
// metrics channel, the allocator probe, the eBPF sampler. `memgate run` and every
// `memgate compare` variant get theirs here, so the same flags mean the same samplers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "memgate/sampler.h"
#include "run/run_config.h"
#include "sys/cgroup.h"

namespace memgate::run {

struct SamplerSlot {
  std::unique_ptr<Sampler> sampler;
  // An optional sampler that cannot attach is a note, not an error (eBPF in auto mode).
  bool optional = false;
};

struct RunSamplers {
  std::vector<SamplerSlot> slots;
  std::vector<std::string> target_env;  // what the target needs for them (LD_PRELOAD, probe session, metrics FIFO)
  std::vector<std::string> notes;       // one line each for the user: fallbacks, knob warnings
  // The target's memory cgroup (with memory limits): the session spawns the target into
  // it, tells the watchdog, and removes it once the run is over (shared with its sampler).
  std::shared_ptr<sys::MemoryCgroup> cgroup;
  nlohmann::json cgroup_figures;  // what meta.json says of it before the end
};

// Checks the sampler requests (allocator, knobs, eBPF, purges) and says what they will
// do, without building any sampler. Throws Error(usage) naming the flag and the fix.
std::vector<std::string> check_samplers(const RunConfig& config);

// Builds the samplers of one run; `run_dir` holds the metrics FIFO. Throws like check_samplers.
RunSamplers make_samplers(const RunConfig& config, const std::string& run_dir);

}  // namespace memgate::run
