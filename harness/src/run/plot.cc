#include "run/plot.h"

#include <cstdlib>

#include "memgate/error.h"
#include "sys/child.h"
#include "sys/file_access.h"

#ifndef MEMGATE_REPORTS_DIR
#error "MEMGATE_REPORTS_DIR must be defined by the build"
#endif

namespace memgate::run {

namespace {
constexpr const char* kPython = "/usr/bin/python3";
constexpr int kNoMatplotlib = 3;
constexpr int kStderr = 2;  // plot_timeline.py's exit status when matplotlib is missing
}  // namespace

std::string reports_dir() {
  const char* env = std::getenv("MEMGATE_REPORTS_DIR");
  return env && *env ? env : MEMGATE_REPORTS_DIR;
}

std::string plot_timeline(const std::string& run_dir) {
  if (!sys::is_executable(kPython)) return "no plot: /usr/bin/python3 is missing (apt-get install python3-matplotlib)";
  const std::string script = reports_dir() + "/plot_timeline.py";
  if (!sys::is_readable(script)) return "no plot: " + script + " not found (set MEMGATE_REPORTS_DIR)";
  try {
    // Its output goes to memgate's stderr: stdout carries only memgate's own (--json: the report).
    // --quiet: memgate's own note names the PNG (and --quiet silences it).
    auto child = sys::Child::spawn({{kPython, script, run_dir, "--quiet"}, {}, "", -1, kStderr});
    const auto status = child.wait();
    if (!status.signaled && status.code == 0) return "plot: " + run_dir + "/timeline.png";
    if (!status.signaled && status.code == kNoMatplotlib)
      return "no plot: matplotlib is not installed for /usr/bin/python3 (apt-get install python3-matplotlib)";
    return "no plot: plot_timeline.py " + status.describe();
  } catch (const Error& e) {
    return std::string("no plot: ") + e.what();
  }
}

}  // namespace memgate::run
