// Processes memgate did not start (`memgate run --pid`): who they are, whether memgate
// may read them, and whether they are still the same process. Nothing here signals.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace memgate::sys {

struct AttachedProcess {
  pid_t pid = 0;
  std::string comm;
  std::uint64_t start_ticks = 0;         // /proc/PID/stat starttime: with the pid, the process's identity
  std::optional<double> started_unix_s;  // its start on the wall clock (boot time + start ticks)
};

enum class AttachStatus {
  ok,
  missing,        // no such process (or only a zombie: it has exited)
  denied,         // it exists, but its memory maps and fds are not ours to read (other user, no CAP_SYS_PTRACE)
  kernel_thread,  // no user memory to sample
};

struct AttachProbe {
  AttachStatus status = AttachStatus::missing;
  AttachedProcess process;
};

// Reads /proc/PID/stat and tries /proc/PID/smaps_rollup (the ptrace read check the
// samplers will meet).
AttachProbe probe_attach(pid_t pid);

// The start ticks of pid while it is alive and not a zombie; nullopt once it is gone.
// A different value than at the attach means the pid was reused.
std::optional<std::uint64_t> live_start_ticks(pid_t pid);

}  // namespace memgate::sys
