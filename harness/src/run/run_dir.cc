#include "run/run_dir.h"

#include <filesystem>
#include <system_error>

#include "memgate/error.h"
#include "sys/file_access.h"
#include "record/run_meta.h"
#include "record/sample_log.h"
#include "record/segments.h"
#include "sys/host.h"

namespace memgate::run {

namespace {

// What a run writes into its directory (and --force removes); anything else there
// means the directory is not a run directory.
bool is_run_file(const std::string& name) {
  for (const char* known : {record::kMetaFile, record::kSamplesFile, record::kProcessesFile, record::kEventsFile,
                            "report.json", "timeline.png", "baseline.png", "target.log", "metrics.fifo", sys::kLockFile,
                            "attribution", "growth.collapsed", "growth.pb.gz", "growth.html"})
    if (name == known) return true;
  for (const char* streamed : {record::kSamplesFile, record::kProcessesFile, record::kEventsFile})
    if (record::parse_segment_name(streamed, name)) return true;  // closed log segments
  return name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
}

}  // namespace

RunDir prepare_run_dir(const std::string& requested, std::int64_t now_unix_ms, bool force) {
  namespace fs = std::filesystem;
  std::string dir = requested;
  if (dir.empty()) {
    const std::string base = "memgate-run-" + sys::compact_local_timestamp(now_unix_ms);
    dir = base;
    for (int n = 2; fs::exists(dir); ++n) dir = base + "-" + std::to_string(n);
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(ExitCode::usage, "cannot create run directory " + dir + ": " +
                                     (ec ? ec.message() : "a file is in the way") + " (choose another --out)");
  if (!sys::is_writable(dir))
    throw Error(ExitCode::usage,
                errno_message("run directory " + dir + " is not writable", errno) + " (choose another --out)");
  // The lock first, then the contents: of two runs started together into one new
  // directory, exactly one gets it, and the other is refused below.
  auto lock = sys::DirLock::try_lock(dir);
  if (!lock) {
    const pid_t owner = sys::dir_lock_owner(dir);
    throw Error(ExitCode::usage, "run directory " + dir + " is in use by another memgate run" +
                                     (owner > 0 ? " (pid " + std::to_string(owner) + ")" : "") +
                                     ": choose another --out, or wait for that run to finish");
  }
  bool previous_run = false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == sys::kLockFile) continue;
    // attribution/ (--attribute's snapshots) is the one directory a run writes.
    if (!is_run_file(name) || (entry.is_directory() && name != "attribution"))
      throw Error(ExitCode::usage, dir + " is not empty and not a memgate run directory (it holds " + name +
                                       "): choose an empty or new --out");
    previous_run = true;
  }
  if (previous_run && !force)
    throw Error(ExitCode::usage,
                dir + " holds a previous memgate run: pass --force to replace it, or choose an empty or new --out");
  if (previous_run)
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (entry.path().filename() != sys::kLockFile) fs::remove_all(entry.path(), ec);
  return {dir, std::move(*lock)};
}

}  // namespace memgate::run
