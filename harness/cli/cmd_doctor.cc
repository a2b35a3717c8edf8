// memgate doctor: what this machine supports, with the fix for each missing piece.
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "commands.h"
#include "run/plot.h"
#include "sys/child.h"
#include "sys/host.h"
#include "sys/proc_files.h"
#include "sys/proc_parse.h"

namespace memgate::cli {

namespace {

struct Finding {
  std::string name;
  bool ok = false;
  bool required = false;  // memgate run cannot work without it
  std::string detail;
  std::string fix;
};

bool readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

std::string read_text(const std::string& path) {
  std::string text;
  sys::read_file_into(path.c_str(), text);
  return text;
}

// Bit `cap` of the effective capability set of this process.
bool has_capability(int cap) {
  const std::string status = read_text("/proc/self/status");
  const auto pos = status.find("CapEff:");
  if (pos == std::string::npos) return false;
  const unsigned long long caps = std::stoull(status.substr(pos + 7), nullptr, 16);
  return (caps >> cap) & 1ULL;
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

std::vector<Finding> examine() {
  std::vector<Finding> f;
  f.push_back({"kernel", true, false, sys::kernel_release(), ""});
  const std::string status = read_text("/proc/self/status");
  f.push_back({"/proc status memory fields", status.find("RssAnon:") != std::string::npos, true,
               "VmRSS, RssAnon/File/Shmem, VmHWM, VmSwap", "needs Linux >= 4.5 with /proc mounted"});
  f.push_back({"/proc smaps_rollup (PSS)", readable("/proc/self/smaps_rollup"), false, "PSS at --pss-hz",
               "needs Linux >= 4.14; without it PSS columns stay empty"});
  f.push_back({"/proc children files", readable("/proc/thread-self/children"), false,
               "fast process-tree discovery", "kernel built without CONFIG_PROC_CHILDREN: memgate scans /proc instead (slower)"});
  f.push_back({"O(1) fd counting", kernel_at_least(6, 2), false, "stat(/proc/PID/fd).st_size is the fd count",
               "needs Linux >= 6.2: memgate lists /proc/PID/fd instead (slower with many fds)"});

  const bool v2 = readable("/sys/fs/cgroup/cgroup.controllers");
  const std::string controllers = v2 ? read_text("/sys/fs/cgroup/cgroup.controllers") : "";
  const bool v2_memory = controllers.find("memory") != std::string::npos;
  const bool v1_memory = readable("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  f.push_back({"cgroup memory controller", v2_memory || v1_memory, false,
               v2_memory ? "cgroup v2 (memory.max, memory.events)" : v1_memory ? "cgroup v1 (/sys/fs/cgroup/memory)" : "none",
               "mount a cgroup memory controller to run targets under a memory limit"});

  f.push_back({"BTF (/sys/kernel/btf/vmlinux)", readable("/sys/kernel/btf/vmlinux"), false, "eBPF CO-RE sampler",
               "kernel built without CONFIG_DEBUG_INFO_BTF: eBPF sampling unavailable, /proc is used"});
  const bool root = ::geteuid() == 0;
  const bool bpf_caps = has_capability(39 /*CAP_BPF*/) && has_capability(38 /*CAP_PERFMON*/);
  f.push_back({"eBPF privileges", root || bpf_caps, false,
               root ? "running as root" : bpf_caps ? "CAP_BPF + CAP_PERFMON" : "unprivileged",
               "run as root, or grant CAP_BPF and CAP_PERFMON (setcap cap_bpf,cap_perfmon+ep memgate)"});

  for (const auto& [name, path, package] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"jemalloc", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "libjemalloc2"},
           {"mimalloc", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2", "libmimalloc2.0"},
           {"tcmalloc", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4", "libtcmalloc-minimal4"}})
    f.push_back({"allocator " + name, readable(path), false, path, "apt-get install " + package});

  const bool matplotlib = command_succeeds({"/usr/bin/python3", "-c", "import matplotlib"});
  f.push_back({"plots (matplotlib)", matplotlib, false, "/usr/bin/python3 with matplotlib; scripts in " + run::reports_dir(),
               "apt-get install python3-matplotlib"});
  return f;
}

}  // namespace

void add_doctor_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("doctor", "Check what this machine supports, with the fix for anything missing");
  cmd->callback([&exit_code] {
    const auto findings = examine();
    bool required_missing = false;
    for (const auto& f : findings) {
      std::printf("%-9s %-32s %s\n", f.ok ? "[ok]" : "[missing]", f.name.c_str(), f.detail.c_str());
      if (!f.ok) std::printf("%-9s %-32s fix: %s\n", "", "", f.fix.c_str());
      required_missing |= f.required && !f.ok;
    }
    exit_code = required_missing ? 3 : 0;
  });
}

}  // namespace memgate::cli
