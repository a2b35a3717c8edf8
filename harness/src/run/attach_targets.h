// `memgate run --pid`: the processes a run attached to (it did not start them, it never
// signals them). Pure: the session reads /proc (sys/attach.h) and hands the readings in.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "record/run_meta.h"
#include "sys/attach.h"

namespace memgate::run {

// The one-line error for a pid that cannot be attached: names the pid, the cause and
// the fix. Empty for AttachStatus::ok.
std::string attach_error(pid_t pid, const sys::AttachProbe& probe);

// The pids as given (`--pid 3,1 --pid 3`): a repeated one dropped, order kept.
std::vector<pid_t> unique_pids(const std::vector<int>& given);

class AttachedTargets {
 public:
  explicit AttachedTargets(std::vector<sys::AttachedProcess> processes) : processes_(std::move(processes)) {
    alive_.assign(processes_.size(), true);
  }

  // `start_ticks_of(pid)`: the pid's start ticks now, nullopt when it is gone. A pid
  // alive with other start ticks was reused by another process: the attached one ended.
  // Returns the attached processes that ended since the last call (noted as ended at now_s).
  std::vector<sys::AttachedProcess> update(const std::function<std::optional<std::uint64_t>(pid_t)>& start_ticks_of,
                                           double now_s);

  bool all_ended() const;
  std::vector<pid_t> pids() const;
  const std::vector<sys::AttachedProcess>& processes() const { return processes_; }

  // "PID 123 (comm)", "PIDs 123 (a), 456 (b)": for the live line and notes.
  std::string describe() const;

  // meta.json "attached" (docs/sample-log.md): pid, comm, start ticks and start time of
  // each, and when each ended (seconds after the attach; empty while alive).
  std::vector<record::AttachedProcess> records(std::int64_t attached_unix_ms) const;

 private:
  std::vector<sys::AttachedProcess> processes_;
  std::vector<bool> alive_;
  std::vector<std::optional<double>> ended_s_ = std::vector<std::optional<double>>(processes_.size());
};

}  // namespace memgate::run
