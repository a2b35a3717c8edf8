#include "run/run_dir.h"

#include <filesystem>
#include <system_error>

#include "memgate/error.h"
#include "sys/file_access.h"
#include "sys/host.h"

namespace memgate::run {

std::string prepare_run_dir(const std::string& requested, std::int64_t now_unix_ms) {
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
    throw Error(ExitCode::usage, errno_message("run directory " + dir + " is not writable", errno) +
                                     " (choose another --out)");
  return dir;
}

}  // namespace memgate::run
