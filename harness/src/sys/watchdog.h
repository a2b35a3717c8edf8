// What guarantees that the target never outlives memgate, even a memgate killed with
// SIGKILL (which runs no destructor). Two layers:
//   - the target itself gets PR_SET_PDEATHSIG=SIGKILL (sys/child.cc, set in
//     sys/spawner/memgate_spawn.c): the kernel kills it when memgate's spawning thread dies;
//   - a watchdog process, forked once per run into its own session (a SIGKILL sent to
//     memgate's process group does not reach it), blocks on a socket whose other end only
//     memgate holds. When memgate dies the socket reads EOF and the watchdog SIGKILLs the
//     target's process group and every process memgate told it about (descendants that
//     left the group), each checked against its start time so a reused pid is spared;
//     then every process whose environment holds the run's marker
//     (MEMGATE_RUN_MARKER=<token>, given to the target and inherited by its descendants),
//     which catches one that left the group too recently for memgate to have seen it.
// With --memory-max and friends the target runs in a cgroup (sys/cgroup.h): the watchdog
// then also kills every process listed in its cgroup.procs, whatever its group or
// environment, and removes the cgroup once it is empty.
// Not covered: a descendant that left the group unseen *and* exec'd with a cleared
// environment, and a watchdog killed together with memgate (kill -9 of both).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "sys/fs.h"

namespace memgate::sys {

inline constexpr const char* kMarkerVariable = "MEMGATE_RUN_MARKER";

class Watchdog {
 public:
  // Forks the watchdog for the process group `group`; `marker` is the value of
  // kMarkerVariable in the target's environment; `cgroup_dir` the target's cgroup (empty:
  // none). Throws Error(internal) when fork or socketpair fails.
  static Watchdog start(pid_t group, const std::string& marker, const std::string& cgroup_dir = "");

  Watchdog(Watchdog&& other) noexcept = default;
  Watchdog& operator=(Watchdog&&) = delete;
  Watchdog(const Watchdog&) = delete;
  // Without release() (memgate is unwinding from an error): the watchdog kills the
  // group and the watched processes, as if memgate had died, and is reaped.
  ~Watchdog();

  pid_t pid() const { return pid_; }
  // Also kill this process (pid + start time from /proc/PID/stat) if memgate dies.
  void watch(pid_t pid, std::uint64_t start_ticks);
  // memgate cleaned up itself: the watchdog exits without killing anything. Idempotent.
  void release();

 private:
  Watchdog(pid_t pid, UniqueFd pipe) : pid_(pid), pipe_(std::move(pipe)) {}
  void reap();  // closes memgate's end and waits for the watchdog to exit
  pid_t pid_ = -1;
  UniqueFd pipe_;  // memgate's end of the socket pair
};

}  // namespace memgate::sys
