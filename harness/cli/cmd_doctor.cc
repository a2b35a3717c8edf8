// memgate doctor: what this machine supports, with the fix for each missing piece.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "alloc/allocator_table.h"
#include "memgate/error.h"
#include "record/json_file.h"
#include "run/plot.h"
#ifdef MEMGATE_HAVE_EBPF
#include "ebpf/ebpf_sampler.h"
#endif
#include "sys/cgroup.h"
#include "sys/child.h"
#include "sys/file_access.h"
#include "sys/host.h"
#include "sys/install_paths.h"
#include "sys/proc_files.h"
#include "sys/proc_parse.h"

namespace memgate::cli {

namespace {

struct Finding {
  std::string name;  // also the key of doctor --json
  bool ok = false;
  bool required = false;  // memgate run cannot work without it
  std::string detail;
  std::string fix;
};

bool readable(const std::string& path) { return sys::is_readable(path); }

std::string read_text(const std::string& path) {
  std::string text;
  sys::read_file_into(path.c_str(), text);
  return text;
}

bool kernel_at_least(int major, int minor) {
  int have_major = 0, have_minor = 0;
  std::sscanf(sys::kernel_release().c_str(), "%d.%d", &have_major, &have_minor);
  return have_major > major || (have_major == major && have_minor >= minor);
}

bool command_succeeds(const std::vector<std::string>& argv) {
  try {
    auto child = sys::Child::spawn({argv, {}, ""});
    const auto status = child.wait();
    return !status.signaled && status.code == 0;
  } catch (...) {
    return false;
  }
}

// memgate's own parts (sys/install_paths.h): where each was found, and from which rule.
void examine_parts(std::vector<Finding>& f) {
  for (const auto& p : sys::all_parts()) {
    const sys::PartLocation at = sys::locate(p.part);
    f.push_back({p.name, at.found, p.part == sys::Part::spawner, at.path + " (" + at.where + ")",
                 "build it, install memgate (cmake --install BUILD --prefix P, or ci/package's .deb), or set "
                 "its override (README \"Installing\")"});
  }
}

std::vector<Finding> examine() {
  std::vector<Finding> f;
  examine_parts(f);
  f.push_back({"kernel", true, false, sys::kernel_release(), ""});
  const std::string status = read_text("/proc/self/status");
  f.push_back({"/proc status memory fields", status.find("RssAnon:") != std::string::npos, true,
               "VmRSS, RssAnon/File/Shmem, VmHWM, VmSwap", "needs Linux >= 4.5 with /proc mounted"});
  f.push_back({"/proc smaps_rollup (PSS)", readable("/proc/self/smaps_rollup"), false, "PSS at --pss-hz",
               "needs Linux >= 4.14; without it PSS columns stay empty"});
  f.push_back({"/proc children files", readable("/proc/thread-self/children"), false, "fast process-tree discovery",
               "kernel built without CONFIG_PROC_CHILDREN: memgate scans /proc instead (slower)"});
  f.push_back({"O(1) fd counting", kernel_at_least(6, 2), false, "stat(/proc/PID/fd).st_size is the fd count",
               "needs Linux >= 6.2: memgate lists /proc/PID/fd instead (slower with many fds)"});

  // What --memory-max needs (sys/cgroup.h): the same detection a run does.
  const sys::CgroupSupport cgroup = sys::detect_memory_cgroup();
  f.push_back({"cgroup memory controller", cgroup.ok, false,
               cgroup.detail + (cgroup.ok ? std::string(": --memory-max/--memory-high") +
                                                (cgroup.swap_accounting ? "/--swap-max" : " (no swap accounting)")
                                          : ""),
               cgroup.fix + " (needed to run targets under --memory-max)"});

  for (const auto& a : alloc::allocators()) {
    if (a.library.empty()) continue;  // glibc: nothing to preload
    const bool present = readable(std::string(a.library));
    f.push_back({"allocator " + std::string(a.name), present, false,
                 std::string(a.library) + (present ? " (" + alloc::version_text(a) + ")" : ""),
                 std::string(a.install_hint)});
  }
#ifdef MEMGATE_HAVE_EBPF
  const Support ebpf = ebpf_support();
  f.push_back({"eBPF sampler", ebpf.ok, false, ebpf.ok ? "exact peaks, OOM kills, faults (--ebpf auto)" : "unavailable",
               ebpf.reason});
#else
  f.push_back({"eBPF sampler", false, false, "not built into this memgate",
               "install clang, bpftool, libbpf-dev (ci/setup does) and rebuild on a kernel with BTF"});
#endif

  const bool matplotlib = command_succeeds({"/usr/bin/python3", "-c", "import matplotlib"});
  f.push_back({"plots (matplotlib)", matplotlib, false,
               "/usr/bin/python3 with matplotlib; scripts in " + run::reports_dir(),
               "apt-get install python3-matplotlib"});
  return f;
}

// doctor --json: the findings for scripts (ci/demo picks its allocators from it).
nlohmann::json findings_json(const std::vector<Finding>& findings, bool required_missing) {
  nlohmann::json out = {{"schema", "memgate.doctor/1"}, {"version", MEMGATE_VERSION}, {"ok", !required_missing}};
  nlohmann::json& list = out["findings"] = nlohmann::json::array();
  for (const auto& f : findings)
    list.push_back(
        {{"name", f.name}, {"ok", f.ok}, {"required", f.required}, {"detail", f.detail}, {"fix", f.ok ? "" : f.fix}});
  // Where memgate's parts are, for scripts and the install test (docs/architecture.md "Installed layout").
  nlohmann::json& parts = out["parts"] = nlohmann::json::object();
  for (const auto& p : sys::all_parts()) {
    const sys::PartLocation at = sys::locate(p.part);
    parts[p.name] = {{"path", at.path}, {"found_in", at.where}, {"found", at.found}};
  }
  return out;
}

}  // namespace

void add_doctor_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("doctor", "Check what this machine supports, with the fix for anything missing");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print the findings as JSON (schema memgate.doctor/1: findings and parts)");
  cmd->footer("Exit codes: 0 everything memgate run needs is there; 3 something it needs is missing.");
  cmd->callback([&exit_code, json] {
    const auto findings = examine();
    bool required_missing = false;
    for (const auto& f : findings) required_missing |= f.required && !f.ok;
    exit_code = required_missing ? static_cast<int>(ExitCode::usage) : 0;
    if (*json) {
      std::printf("%s\n", record::dump_json(findings_json(findings, required_missing)).c_str());
      return;
    }
    for (const auto& f : findings) {
      std::printf("%-9s %-32s %s\n", f.ok ? "[ok]" : "[missing]", f.name.c_str(), f.detail.c_str());
      if (!f.ok) std::printf("%-9s %-32s fix: %s\n", "", "", f.fix.c_str());
    }
  });
}

}  // namespace memgate::cli
