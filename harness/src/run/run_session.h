// `memgate run`: spawn the target, sample its tree until it exits / the duration
// ends / memgate is signalled, stream everything to the run directory, then build
// the report from what is on disk (the same code path as `memgate report DIR`).
// `memgate compare` runs each variant through the same session.
#pragma once

#include <string>

#include "memgate/check.h"
#include "run/run_config.h"
#include "run/sampler_factory.h"

namespace memgate::run {

struct RunResult {
  ExitCode exit_code = ExitCode::internal;
  std::string out_dir;
  std::string summary;  // the closing summary printed for people
};

// Throws Error(usage) for a configuration no run can take (before anything starts),
// Error(target_failed) when the target cannot start (the run directory keeps why).
// `extra` samplers run beside the factory's (a test's fake sampler, an embedding tool's own).
RunResult run(const RunConfig& config, std::vector<SamplerSlot> extra = {});

}  // namespace memgate::run
