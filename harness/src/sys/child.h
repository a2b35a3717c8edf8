// Starting the target in its own process group and reaping it. RAII: a Child that
// goes out of scope while its group still runs kills the group, so an exception in
// memgate never leaves a load generator or pipeline behind. The target is started
// through the memgate-spawn helper (sys/spawner/memgate_spawn.c) so that its ru_maxrss
// does not start from memgate's own memory; it is still this process's child.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "sys/pid.h"

#include "sys/proc_files.h"

namespace memgate::sys {

struct ExitStatus {
  bool signaled = false;
  int code = 0;    // exit status when !signaled
  int signal = 0;  // terminating signal when signaled
  bool core_dumped = false;
  std::string describe() const;  // "exited with status 3" / "killed by SIGSEGV (Segmentation fault)"
};

struct SpawnOptions {
  std::vector<std::string> argv;     // argv[0] is looked up in PATH like a shell would
  std::vector<std::string> env_set;  // KEY=VALUE added to (or replacing in) memgate's environment
  std::string cwd;                   // empty: inherit
  int stdin_fd = -1;                 // becomes the child's stdin when >= 0 (e.g. a pipe memgate writes)
  int output_fd = -1;                // becomes the child's stdout and stderr when >= 0 (a log file)
  // A cgroup's cgroup.procs (sys/cgroup.h): the child moves itself there before it execs,
  // so nothing the target allocates escapes the cgroup's limits. Empty: stay in memgate's.
  std::string cgroup_procs = {};
};

class Child {
 public:
  // Throws memgate::Error(target_failed) naming the command and the OS reason when
  // the program cannot be executed (missing, not executable, bad interpreter...), and
  // Error(internal) when the memgate-spawn helper cannot run.
  static Child spawn(const SpawnOptions& options);

  Child(Child&& other) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  ~Child();

  pid_t pid() const { return pid_; }
  // Non-blocking: the exit status once the target has exited (reaps it).
  std::optional<ExitStatus> poll();
  // Blocks until the target exits.
  ExitStatus wait();
  // Sends sig to the whole process group; false when nothing is left to signal.
  bool signal_group(int sig) const;
  // After the target exited: reaps the processes of its group that were re-parented to
  // us (see become_subreaper), waiting up to timeout_s for them to exit on their own.
  // True when the group is gone; false when some are still running.
  bool reap_group(double timeout_s);

 private:
  explicit Child(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

// A child of memgate other than the target that exited: a descendant re-parented to
// memgate (become_subreaper) after its own parent exited.
struct AdoptedExit {
  pid_t pid = 0;
  std::string comm;
  ExitStatus status;
};

// Reaps the children of memgate that have exited, except keep_a / keep_b (the target,
// whose status Child::poll takes, and the watchdog): non-blocking.
std::vector<AdoptedExit> reap_adopted(pid_t keep_a, pid_t keep_b);

// SIGTERM to each process, then SIGKILL to those still alive after grace_s (each
// checked by its start time, so a reused pid is spared); reaps those re-parented to
// memgate (all but `keep`, the watchdog) on the way.
void stop_processes(const std::vector<ProcessIdentity>& processes, double grace_s, pid_t keep);

// Signals that mean a crash (those that dump core: SIGSEGV, SIGABRT, SIGBUS...), as
// opposed to a stop someone asked for (SIGTERM, SIGKILL, SIGINT...).
bool is_crash_signal(int sig);

// Makes orphaned descendants re-parent to this process instead of init, so that the
// target's left-behind processes can be reaped (and never pile up as zombies).
void become_subreaper();

ExitStatus decode_wait_status(int status);
std::string signal_name(int sig);  // "SIGSEGV"

}  // namespace memgate::sys
