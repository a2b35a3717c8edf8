#include "run/plot.h"

#include <vector>

#include "memgate/error.h"
#include "sys/child.h"
#include "sys/file_access.h"
#include "sys/install_paths.h"

namespace memgate::run {

namespace {
constexpr const char* kPython = "/usr/bin/python3";
// The plot scripts' exit status when their library is missing (matplotlib; flame_growth.py:
// reports/flamegraph/node_modules).
constexpr int kNoLibrary = 3;
constexpr int kStderr = 2;
constexpr const char* kMatplotlibMissing =
    "no plot: matplotlib is not installed for /usr/bin/python3 (apt-get install python3-matplotlib)";
}  // namespace

std::string reports_dir() {
  return sys::locate(sys::Part::reports).path;  // $MEMGATE_REPORTS_DIR, installed, or the source tree
}

namespace {

// Runs reports/SCRIPT with ARGS; the note names PNG, or why there is none.
std::string run_plot_script(const std::string& name, std::vector<std::string> args, const std::string& png,
                            const std::string& missing_library) {
  if (!sys::is_executable(kPython)) return "no plot: /usr/bin/python3 is missing (apt-get install python3-matplotlib)";
  const std::string script = reports_dir() + "/" + name;
  if (!sys::is_readable(script)) return "no plot: " + script + " not found (set MEMGATE_REPORTS_DIR)";
  args.insert(args.begin(), {kPython, script});
  try {
    // Its output goes to memgate's stderr: stdout carries only memgate's own (--json: the report).
    auto child = sys::Child::spawn({args, {}, "", -1, kStderr});
    const auto status = child.wait();
    if (!status.signaled && status.code == 0) return "plot: " + png;
    if (!status.signaled && status.code == kNoLibrary) return missing_library;
    return "no plot: " + name + " " + status.describe();
  } catch (const Error& e) {
    return std::string("no plot: ") + e.what();
  }
}

}  // namespace

std::string plot_timeline(const std::string& run_dir, const std::string& png, const std::string& report) {
  // --quiet: memgate's own note names the PNG (and memgate's --quiet silences it).
  std::vector<std::string> args{run_dir, "--quiet"};
  if (!png.empty()) args.insert(args.end(), {"--out", png});
  if (!report.empty()) args.insert(args.end(), {"--report", report});
  return run_plot_script("plot_timeline.py", args, png.empty() ? run_dir + "/timeline.png" : png, kMatplotlibMissing);
}

std::string plot_baseline(const std::string& run_dir, const std::vector<std::string>& baseline_dirs) {
  std::vector<std::string> args{run_dir};
  args.insert(args.end(), baseline_dirs.begin(), baseline_dirs.end());
  return run_plot_script("plot_baseline.py", args, run_dir + "/baseline.png", kMatplotlibMissing);
}

std::string plot_growth_flame(const std::string& run_dir) {
  return run_plot_script("flame_growth.py", {run_dir, "--quiet"}, run_dir + "/growth.html",
                         "no flame graph: the d3-flame-graph library is missing (npm ci in " + reports_dir() +
                             "/flamegraph, or ci/setup); growth.collapsed and growth.pb.gz are written");
}

std::string plot_sizes(const std::string& dir) {
  return run_plot_script("plot_sizes.py", {dir, "--quiet"}, dir + "/sizes.png", kMatplotlibMissing);
}

}  // namespace memgate::run
