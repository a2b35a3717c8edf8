// The run directory: created before the target starts, so an unwritable --out is a
// usage error (exit 3) and never a lost run.
#pragma once

#include <cstdint>
#include <string>

namespace memgate::run {

// Creates `requested` (and parents), or ./memgate-run-<timestamp>[-N] when empty.
// Throws Error(usage) naming the path and the fix.
std::string prepare_run_dir(const std::string& requested, std::int64_t now_unix_ms);

}  // namespace memgate::run
