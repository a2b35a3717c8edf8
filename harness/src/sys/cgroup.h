// The memory cgroup a target runs in (--memory-max, --memory-high, --swap-max):
// detection of the memory controller (v1 or v2) at run time, a child cgroup of
// memgate's own making with the limits, its figures, and its removal. Layout:
//   <memgate's own cgroup>/memgate/memgate-<pid>-<n>
// memgate creates `memgate/` once and only ever touches the `memgate-<pid>-<n>` below
// it: its own, and those whose memgate is dead (remove_stale_cgroups). The environment
// variable MEMGATE_CGROUP_ROOT replaces "memgate's own cgroup" (tests point it at a
// fixture directory that mimics cgroupfs; operators at a delegated cgroup).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memgate/memory_limits.h"
#include "sys/cgroup_parse.h"

namespace memgate::sys {

inline constexpr const char* kCgroupRootVariable = "MEMGATE_CGROUP_ROOT";

enum class CgroupVersion { v1, v2 };

// What this machine offers memgate for memory limits.
struct CgroupSupport {
  bool ok = false;
  CgroupVersion version = CgroupVersion::v2;
  std::string parent;            // the cgroup directory memgate creates `memgate/` in
  bool swap_accounting = false;  // memory.swap.max (v2) / memory.memsw.limit_in_bytes (v1) exists
  std::string detail;            // ok: "cgroup v1 memory controller at DIR"; else what is missing
  std::string fix;               // !ok: how to get it (one line)
};

// Reads /proc/self/mountinfo and /proc/self/cgroup (or MEMGATE_CGROUP_ROOT). Prefers v2
// when its hierarchy has the memory controller.
CgroupSupport detect_memory_cgroup();
// The same for a given cgroup directory (the override; tests).
CgroupSupport memory_cgroup_at(const std::string& dir);

// One reading of the cgroup's memory figures; NaN for what the version lacks.
struct CgroupStats {
  double usage_bytes = 0, peak_bytes = 0;
  double oom = 0, oom_kill = 0;      // v2 memory.events oom / oom_kill; v1 oom_control (oom = under_oom now)
  double high = 0, max = 0;          // v2 memory.events high / max; v1: high NaN, max = memory.failcnt
  std::optional<Pressure> pressure;  // v2 memory.pressure (absent without PSI)
};

class MemoryCgroup {
 public:
  // Creates <support.parent>/memgate/memgate-<pid>-<n> and writes the limits. Throws
  // Error(usage) naming the flag and the fix when a limit cannot be set (no permission,
  // no swap accounting, the controller not delegated); nothing is left behind then.
  static std::unique_ptr<MemoryCgroup> create(const CgroupSupport& support, const MemoryLimits& limits);

  MemoryCgroup(const MemoryCgroup&) = delete;
  MemoryCgroup& operator=(const MemoryCgroup&) = delete;
  // Kills what is left in it and removes it (best effort: a destructor does not throw).
  ~MemoryCgroup();

  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }  // memgate-<pid>-<n>
  std::string procs_file() const { return path_ + "/cgroup.procs"; }
  CgroupVersion version() const { return version_; }
  const MemoryLimits& limits() const { return limits_; }
  // Whether the kernel's "oom_memcg=" path names this cgroup (or one below it).
  bool names_this(const std::string& kernel_path) const;

  // Throws Error(internal) naming the file when one is malformed.
  CgroupStats read();
  std::vector<pid_t> pids() const;
  // SIGKILLs every process in it until none is left or timeout_s passed; true when empty.
  bool kill_all(double timeout_s);
  // Removes the directory (after kill_all); true when it is gone. Idempotent.
  bool remove();

 private:
  friend std::vector<std::string> remove_stale_cgroups(const CgroupSupport& support);
  MemoryCgroup(std::string path, std::string name, CgroupVersion v, MemoryLimits limits)
      : path_(std::move(path)), name_(std::move(name)), version_(v), limits_(limits) {}
  std::string path_, name_;
  CgroupVersion version_;
  MemoryLimits limits_;
  std::string text_;  // reused read buffer: no allocation per tick
  bool removed_ = false;
};

// Removes every <parent>/memgate/memgate-<pid>-<n> whose memgate (pid) is gone, killing what is still in it first. One
// line per cgroup removed (or that could not be). Never touches anything else.
std::vector<std::string> remove_stale_cgroups(const CgroupSupport& support);

// "memgate-<pid>-<n>" -> pid; nullopt for any other name.
std::optional<pid_t> memgate_cgroup_owner(const std::string& name);

}  // namespace memgate::sys
