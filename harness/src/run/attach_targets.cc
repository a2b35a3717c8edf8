#include "run/attach_targets.h"

#include <algorithm>
#include <cmath>

#include "sys/host.h"

namespace memgate::run {

std::string attach_error(pid_t pid, const sys::AttachProbe& probe) {
  const std::string who = "--pid " + std::to_string(pid);
  const std::string named = who + (probe.process.comm.empty() ? "" : " (" + probe.process.comm + ")");
  switch (probe.status) {
    case sys::AttachStatus::ok: return "";
    case sys::AttachStatus::missing:
      return who +
             ": no such process (it has exited, or the number is wrong): find the service's pid with "
             "`pgrep -f NAME` or `systemctl show -p MainPID UNIT`";
    case sys::AttachStatus::denied:
      return named +
             ": memgate may not read its memory (another user's process, or ptrace is restricted): run "
             "memgate as that user, or as root / with CAP_SYS_PTRACE";
    case sys::AttachStatus::kernel_thread:
      return named + " is a kernel thread: it has no user memory to sample; give a user process's pid";
  }
  return who + ": cannot attach";
}

std::vector<pid_t> unique_pids(const std::vector<int>& given) {
  std::vector<pid_t> out;
  for (const int pid : given)
    if (std::find(out.begin(), out.end(), pid) == out.end()) out.push_back(pid);
  return out;
}

std::vector<sys::AttachedProcess> AttachedTargets::update(
    const std::function<std::optional<std::uint64_t>(pid_t)>& start_ticks_of, double now_s) {
  std::vector<sys::AttachedProcess> ended;
  for (std::size_t i = 0; i < processes_.size(); ++i) {
    if (!alive_[i]) continue;
    const auto now = start_ticks_of(processes_[i].pid);
    if (now && *now == processes_[i].start_ticks) continue;
    alive_[i] = false;
    ended_s_[i] = now_s;
    ended.push_back(processes_[i]);
  }
  return ended;
}

bool AttachedTargets::all_ended() const {
  return std::none_of(alive_.begin(), alive_.end(), [](bool a) { return a; });
}

std::vector<pid_t> AttachedTargets::pids() const {
  std::vector<pid_t> out;
  for (const auto& p : processes_) out.push_back(p.pid);
  return out;
}

std::string AttachedTargets::describe() const {
  std::string list;
  for (const auto& p : processes_)
    list += (list.empty() ? "" : ", ") + std::to_string(p.pid) + (p.comm.empty() ? "" : " (" + p.comm + ")");
  return (processes_.size() == 1 ? "PID " : "PIDs ") + list;
}

std::vector<record::AttachedProcess> AttachedTargets::records(std::int64_t attached_unix_ms) const {
  std::vector<record::AttachedProcess> out;
  for (std::size_t i = 0; i < processes_.size(); ++i) {
    const auto& p = processes_[i];
    record::AttachedProcess r;
    r.pid = p.pid;
    r.comm = p.comm;
    r.start_ticks = p.start_ticks;
    if (p.started_unix_s) {
      const auto ms = static_cast<std::int64_t>(std::llround(*p.started_unix_s * 1000));
      r.started_at = sys::iso8601_utc(ms);
      r.age_at_attach_s = std::max(0.0, static_cast<double>(attached_unix_ms - ms) / 1000);
    }
    r.ended_after_s = ended_s_[i];
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace memgate::run
