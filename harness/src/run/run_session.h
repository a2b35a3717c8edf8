// `memgate run`: spawn the target, sample its tree until it exits / the duration
// ends / memgate is signalled, stream everything to the run directory, then build
// the report from what is on disk (the same code path as `memgate report DIR`).
// `memgate compare` runs each variant through the same session.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "memgate/check.h"
#include "run/run_config.h"
#include "run/sampler_factory.h"

namespace memgate::run {

struct RunResult {
  ExitCode exit_code = ExitCode::internal;
  std::string out_dir;
  std::string summary;    // the closing summary printed for people
  nlohmann::json report;  // report.json as written
  std::string error;      // why the target could not start (exit_code target_failed); empty otherwise
};

// Throws Error(usage) for a configuration no run can take (before anything starts).
// A target that cannot start is a result, not an exception: exit_code target_failed,
// `error` saying why, and the run directory, report.json and CI outputs written.
// `extra` samplers run beside the factory's (a test's fake sampler, an embedding tool's own).
RunResult run(const RunConfig& config, std::vector<SamplerSlot> extra = {});

}  // namespace memgate::run
