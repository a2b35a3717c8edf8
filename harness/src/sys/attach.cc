#include "sys/attach.h"

#include <cstdio>

#include "sys/proc_files.h"
#include "sys/proc_parse.h"

namespace memgate::sys {

namespace {

std::optional<StatFields> live_stat(pid_t pid, std::string& buf) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (pid <= 0 || !read_file_into(path, buf)) return std::nullopt;
  auto stat = parse_stat(buf);
  if (!stat || stat->state == 'Z' || stat->state == 'X') return std::nullopt;
  return stat;
}

}  // namespace

AttachProbe probe_attach(pid_t pid) {
  AttachProbe probe;
  std::string buf;
  const auto stat = live_stat(pid, buf);
  if (!stat) return probe;
  probe.process = {pid, stat->comm, stat->starttime_ticks, std::nullopt};
  if (read_file_into("/proc/stat", buf))
    if (const auto boot = parse_boot_time(buf))
      probe.process.started_unix_s =
          static_cast<double>(*boot) + static_cast<double>(stat->starttime_ticks) / clock_ticks_per_second();
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", pid);
  const bool has_memory = read_file_into(path, buf) && parse_status(buf).has_rss;
  std::snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid);
  const bool readable = read_file_into(path, buf);
  if (!live_stat(pid, buf)) return {};  // gone meanwhile: as if it had never been there
  probe.status = !readable ? AttachStatus::denied : has_memory ? AttachStatus::ok : AttachStatus::kernel_thread;
  return probe;
}

std::optional<std::uint64_t> live_start_ticks(pid_t pid) {
  std::string buf;
  const auto stat = live_stat(pid, buf);
  if (!stat) return std::nullopt;
  return stat->starttime_ticks;
}

}  // namespace memgate::sys
