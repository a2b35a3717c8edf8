// The run directory: created before the target starts, so an unwritable --out is a
// usage error (exit 3) and never a lost run; locked for the run's life, so two runs
// never write one directory.
#pragma once

#include <cstdint>
#include <string>

#include "sys/dir_lock.h"

namespace memgate::run {

struct RunDir {
  std::string path;
  sys::DirLock lock;  // DIR/.memgate.lock, held until the RunDir goes
};

// Creates `requested` (and parents), or ./memgate-run-<timestamp>[-N] when empty, and
// locks it. Throws Error(usage) naming the path and the fix when it cannot be created,
// another run holds it, it holds files that are not a memgate run's, or it holds a
// finished run and `force` is false (with `force`, that run's files are removed).
RunDir prepare_run_dir(const std::string& requested, std::int64_t now_unix_ms, bool force = false);

}  // namespace memgate::run
