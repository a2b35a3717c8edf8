#include "sys/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "memgate/error.h"
#include "memgate/units.h"
#include "sys/file_access.h"
#include "sys/proc_files.h"

namespace memgate::sys {

namespace {

constexpr const char* kParentName = "memgate";

std::string read_or_empty(const std::string& path) {
  std::string text;
  if (!read_file_into(path.c_str(), text)) text.clear();
  return text;
}

// A cgroup file takes one write(2) per value: no temporary file and rename (the
// files exist already), O_CREAT only so a fixture directory behaves the same.
int write_cgroup_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = n == static_cast<ssize_t>(text.size()) ? 0 : (n < 0 ? errno : EIO);
  ::close(fd);
  return err;
}

// "/a/b" under the mount of hierarchy root "/" (or "/a" when the mount shows only a
// subtree, as in a container) -> the directory.
std::string under_mount(const std::string& mount, const std::string& mount_root, const std::string& own) {
  std::string rel = own;
  if (mount_root != "/" && rel.starts_with(mount_root)) rel = rel.substr(mount_root.size());
  if (rel.empty() || rel == "/") return mount;
  return mount + (rel.front() == '/' ? "" : "/") + rel;
}

bool has_word(const std::string& list, const char* word) {
  std::size_t at = 0;
  const std::size_t n = std::strlen(word);
  while ((at = list.find(word, at)) != std::string::npos) {
    const bool start = at == 0 || list[at - 1] == ' ' || list[at - 1] == '\n';
    const bool end = at + n == list.size() || list[at + n] == ' ' || list[at + n] == '\n';
    if (start && end) return true;
    at += n;
  }
  return false;
}

}  // namespace

CgroupSupport memory_cgroup_at(const std::string& dir) {
  CgroupSupport s;
  s.parent = dir;
  const auto status = file_status(dir);
  if (!status || !status->directory) {
    s.detail = dir + " is not a directory";
    s.fix = "point MEMGATE_CGROUP_ROOT at a cgroup directory memgate may create cgroups in";
    return s;
  }
  if (path_exists(dir + "/cgroup.controllers")) {
    s.version = CgroupVersion::v2;
    if (!has_word(read_or_empty(dir + "/cgroup.controllers"), "memory")) {
      s.detail = "cgroup v2 at " + dir + " without the memory controller";
      s.fix =
          "delegate the memory controller to it (its parent's cgroup.subtree_control needs +memory; systemd: "
          "Delegate=yes)";
      return s;
    }
    s.swap_accounting = path_exists(dir + "/memory.swap.max") || !path_exists(dir + "/memory.max");
    s.detail = "cgroup v2 memory controller at " + dir;
  } else if (path_exists(dir + "/memory.limit_in_bytes")) {
    s.version = CgroupVersion::v1;
    s.swap_accounting = path_exists(dir + "/memory.memsw.limit_in_bytes");
    s.detail = "cgroup v1 memory controller at " + dir;
  } else {
    s.detail = dir + " is not a memory cgroup";
    s.fix = "mount the memory controller (cgroup v2, or v1 at /sys/fs/cgroup/memory)";
    return s;
  }
  if (!is_writable(dir)) {
    s.detail += " (not writable)";
    s.fix =
        "run memgate as root, or give its user a delegated cgroup (chown it; systemd: Delegate=yes) and set "
        "MEMGATE_CGROUP_ROOT to it";
    return s;
  }
  s.ok = true;
  return s;
}

CgroupSupport detect_memory_cgroup() {
  if (const char* root = std::getenv(kCgroupRootVariable); root && *root) return memory_cgroup_at(root);
  const CgroupMounts mounts = parse_mountinfo(read_or_empty("/proc/self/mountinfo"));
  const OwnCgroups own = parse_proc_cgroup(read_or_empty("/proc/self/cgroup"));
  CgroupSupport v2_found;
  for (std::size_t i = 0; i < mounts.v2.size() && !own.v2.empty(); ++i) {
    const std::string dir = under_mount(mounts.v2[i], mounts.v2_roots[i], own.v2);
    if (!path_exists(dir + "/cgroup.controllers")) continue;
    v2_found = memory_cgroup_at(dir);
    if (v2_found.ok) return v2_found;
  }
  if (!mounts.v1_memory.empty() && !own.v1_memory.empty())
    return memory_cgroup_at(under_mount(mounts.v1_memory, mounts.v1_memory_root, own.v1_memory));
  if (!v2_found.detail.empty()) return v2_found;
  CgroupSupport none;
  none.detail = "no cgroup memory controller mounted";
  none.fix = "mount cgroup2 (with the memory controller) at /sys/fs/cgroup, or the v1 memory controller";
  return none;
}

std::unique_ptr<MemoryCgroup> MemoryCgroup::create(const CgroupSupport& s, const MemoryLimits& limits) {
  const auto fail = [](const std::string& flag, const std::string& what, int err, const std::string& fix) {
    throw Error(ExitCode::usage, flag + ": " + what + (err ? std::string(": ") + std::strerror(err) : "") + "; " + fix);
  };
  const std::string flag = limits.max ? "--memory-max" : limits.high ? "--memory-high" : "--swap-max";
  if (!s.ok) fail(flag, s.detail, 0, s.fix);
  if (limits.swap_max && !s.swap_accounting)
    fail("--swap-max", "this kernel does not account swap per cgroup (no memory.swap.max / memory.memsw.*)", 0,
         "boot with swapaccount=1, or drop --swap-max");
  if (limits.swap_max && s.version == CgroupVersion::v1 && !limits.max)
    fail("--swap-max", "cgroup v1 limits memory+swap together", 0, "give --memory-max too");
  const std::string base = s.parent + "/" + kParentName;
  if (::mkdir(base.c_str(), 0755) != 0 && errno != EEXIST)
    fail(flag, "cannot create " + base, errno, "run memgate as root, or set MEMGATE_CGROUP_ROOT to a delegated cgroup");
  if (s.version == CgroupVersion::v2) {
    // The memory controller must be enabled for the children of each level.
    for (const std::string& dir : {s.parent, base}) {
      if (has_word(read_or_empty(dir + "/cgroup.subtree_control"), "memory")) continue;
      if (const int err = write_cgroup_file(dir + "/cgroup.subtree_control", "+memory"))
        fail(flag, "cannot enable the memory controller in " + dir + "/cgroup.subtree_control", err,
             err == EBUSY ? "cgroup v2 refuses it while that cgroup holds processes: start memgate in a cgroup of its "
                            "own whose parent delegates memory (systemd: Delegate=yes), or set MEMGATE_CGROUP_ROOT"
                          : "run memgate as root, or in a cgroup with the memory controller delegated");
    }
  }
  static std::atomic<unsigned> counter{0};
  std::string name, path;
  for (;;) {
    name = "memgate-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    path = base + "/" + name;
    if (::mkdir(path.c_str(), 0755) == 0) break;
    if (errno != EEXIST) fail(flag, "cannot create " + path, errno, "run memgate as root, or set MEMGATE_CGROUP_ROOT");
  }
  std::unique_ptr<MemoryCgroup> cg(new MemoryCgroup(path, name, s.version, limits));
  const auto set = [&](const char* f, const std::string& value, const std::string& which) {
    if (const int err = write_cgroup_file(path + "/" + f, value))
      fail(which, "cannot write " + value + " to " + path + "/" + f, err,
           err == EINVAL ? "give a larger value" : "run memgate as root, or set MEMGATE_CGROUP_ROOT");
  };
  if (s.version == CgroupVersion::v2) {
    if (limits.max) set("memory.max", std::to_string(*limits.max), "--memory-max");
    if (limits.high) set("memory.high", std::to_string(*limits.high), "--memory-high");
    if (limits.swap_max) set("memory.swap.max", std::to_string(*limits.swap_max), "--swap-max");
  } else {
    if (limits.max) set("memory.limit_in_bytes", std::to_string(*limits.max), "--memory-max");
    if (limits.high) set("memory.soft_limit_in_bytes", std::to_string(*limits.high), "--memory-high");
    if (limits.swap_max)
      set("memory.memsw.limit_in_bytes", std::to_string(*limits.max + *limits.swap_max), "--swap-max");
  }
  return cg;
}

MemoryCgroup::~MemoryCgroup() {
  if (removed_) return;
  kill_all(2.0);
  remove();
}

bool MemoryCgroup::names_this(const std::string& kernel_path) const {
  const std::string tail = std::string("/") + kParentName + "/" + name_;
  return kernel_path.ends_with(tail) || kernel_path.find(tail + "/") != std::string::npos;
}

CgroupStats MemoryCgroup::read() {
  CgroupStats st;
  const auto file = [&](const char* f) {
    const std::string p = path_ + "/" + f;
    return read_file_into(p.c_str(), text_);
  };
  if (version_ == CgroupVersion::v2) {
    st.usage_bytes =
        file("memory.current") ? static_cast<double>(parse_limit_value(text_, "memory.current").value_or(0)) : NAN;
    st.peak_bytes =
        file("memory.peak") ? static_cast<double>(parse_limit_value(text_, "memory.peak").value_or(0)) : NAN;
    if (file("memory.events")) {
      const auto ev = parse_flat_keyed(text_, "memory.events");
      const auto get = [&](const char* k) {
        const auto it = ev.find(k);
        return it == ev.end() ? 0.0 : static_cast<double>(it->second);
      };
      st.oom = get("oom");
      st.oom_kill = get("oom_kill");
      st.high = get("high");
      st.max = get("max");
    } else {
      st.oom = st.oom_kill = st.high = st.max = NAN;
    }
    if (file("memory.pressure")) st.pressure = parse_pressure(text_, "memory.pressure");
  } else {
    st.usage_bytes = file("memory.usage_in_bytes")
                         ? static_cast<double>(parse_limit_value(text_, "memory.usage_in_bytes").value_or(0))
                         : NAN;
    st.peak_bytes = file("memory.max_usage_in_bytes")
                        ? static_cast<double>(parse_limit_value(text_, "memory.max_usage_in_bytes").value_or(0))
                        : NAN;
    if (file("memory.oom_control")) {
      const auto oc = parse_flat_keyed(text_, "memory.oom_control");
      const auto it = oc.find("oom_kill");  // Linux >= 4.13
      st.oom_kill = it == oc.end() ? NAN : static_cast<double>(it->second);
      const auto under = oc.find("under_oom");
      st.oom = under == oc.end() ? NAN : static_cast<double>(under->second);
    } else {
      st.oom = st.oom_kill = NAN;
    }
    st.high = NAN;
    st.max = file("memory.failcnt") ? static_cast<double>(parse_limit_value(text_, "memory.failcnt").value_or(0)) : NAN;
  }
  return st;
}

std::vector<pid_t> MemoryCgroup::pids() const {
  std::vector<pid_t> out;
  std::string text;
  if (!read_file_into(procs_file().c_str(), text)) return out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = std::min(text.find('\n', at), text.size());
    const long pid = std::strtol(text.c_str() + at, nullptr, 10);
    if (pid > 0) out.push_back(static_cast<pid_t>(pid));
    at = nl + 1;
  }
  return out;
}

bool MemoryCgroup::kill_all(double timeout_s) {
  if (removed_) return true;
  for (double waited = 0;; waited += 0.01) {
    const auto left = pids();
    if (left.empty()) return true;
    if (waited >= timeout_s) return false;
    for (pid_t pid : left) ::kill(pid, SIGKILL);
    ::usleep(10000);
  }
}

bool MemoryCgroup::remove() {
  if (removed_) return true;
  // A cgroup whose last process just exited may be busy for a moment.
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (::rmdir(path_.c_str()) == 0 || errno == ENOENT) return removed_ = true;
    if (errno != EBUSY) return false;
    ::usleep(10000);
  }
  return false;
}

std::optional<pid_t> memgate_cgroup_owner(const std::string& name) {
  if (!name.starts_with("memgate-")) return std::nullopt;
  const std::size_t dash = name.find('-', 8);
  if (dash == std::string::npos || dash == 8 || dash + 1 >= name.size()) return std::nullopt;
  for (std::size_t i = 8; i < name.size(); ++i)
    if (i != dash && (name[i] < '0' || name[i] > '9')) return std::nullopt;
  if (dash - 8 > 7) return std::nullopt;
  const long pid = std::strtol(name.c_str() + 8, nullptr, 10);
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

std::vector<std::string> remove_stale_cgroups(const CgroupSupport& s) {
  std::vector<std::string> notes;
  if (!s.ok) return notes;
  const std::string base = s.parent + "/" + kParentName;
  DIR* dir = ::opendir(base.c_str());
  if (!dir) return notes;
  std::vector<std::string> stale;
  while (const dirent* d = ::readdir(dir)) {
    const std::string name = d->d_name;
    const auto owner = memgate_cgroup_owner(name);
    // A live pid keeps its cgroups (a test binary running memgate in-process is not
    // named memgate); a reused pid only delays the clean-up until it is gone.
    if (!owner || *owner == ::getpid() || ::kill(*owner, 0) == 0 || errno == EPERM) continue;
    stale.push_back(name);
  }
  ::closedir(dir);
  for (const auto& name : stale) {
    MemoryCgroup cg(base + "/" + name, name, s.version, {});
    const std::size_t left = cg.pids().size();
    const bool emptied = cg.kill_all(2.0);
    const bool removed = emptied && cg.remove();
    cg.removed_ = true;  // said below; the destructor must not try again
    notes.push_back(
        (removed ? "removed the cgroup " : "could not remove the cgroup ") + cg.path() +
        " left by a memgate that died" +
        (left ? " (killed " + std::to_string(left) + " process" + (left == 1 ? "" : "es") + " in it)" : "") +
        (removed ? "" : ": " + std::string(std::strerror(errno))));
  }
  return notes;
}

}  // namespace memgate::sys
