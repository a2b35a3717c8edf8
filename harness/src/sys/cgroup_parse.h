// Pure parsers for cgroup memory-controller files (v1 and v2), /proc/self/mountinfo,
// /proc/self/cgroup and the kernel log's OOM lines. They take the text and never touch
// the OS, so they are tested against fixtures (tests/unit/cgroup_parse_test.cc) and
// fuzzed (tests/fuzz/fuzz_cgroup_parse.cc). Malformed text throws Error(internal)
// naming the file and the line: a kernel that writes something else is a memgate bug
// to report, never a silently wrong figure.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memgate::sys {

// "key value" lines: v2 memory.events, memory.stat; v1 memory.oom_control, memory.stat.
// Every value is an unsigned integer; `file` names the file in errors.
std::map<std::string, std::uint64_t, std::less<>> parse_flat_keyed(std::string_view text, std::string_view file);

// v2 memory.pressure (PSI): "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and
// the same for "full" (absent before Linux 5.2 for some: then zeros).
struct PressureLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;
  std::uint64_t total_us = 0;
};
struct Pressure {
  PressureLine some, full;
};
Pressure parse_pressure(std::string_view text, std::string_view file);

// A single-value file: memory.current, memory.peak, memory.max ("max" is nullopt,
// unlimited), memory.limit_in_bytes, memory.usage_in_bytes...
std::optional<std::uint64_t> parse_limit_value(std::string_view text, std::string_view file);

// Where the memory controller is mounted, from /proc/self/mountinfo: a v1 "cgroup"
// mount whose super options name "memory", and every "cgroup2" mount (whether it has
// the controller is in its cgroup.controllers, read by sys/cgroup.cc).
struct CgroupMounts {
  std::string v1_memory;              // mount point, empty when none
  std::string v1_memory_root;         // the mount's root within the hierarchy ("/" usually)
  std::vector<std::string> v2;        // mount points
  std::vector<std::string> v2_roots;  // their roots within the hierarchy
};
CgroupMounts parse_mountinfo(std::string_view text);

// memgate's own cgroup from /proc/self/cgroup: the v1 memory line ("4:memory:/a/b") or
// the v2 line ("0::/a/b"). Empty when absent.
struct OwnCgroups {
  std::string v1_memory, v2;
};
OwnCgroups parse_proc_cgroup(std::string_view text);

// One OOM kill as the kernel logs it (/dev/kmsg): the "oom-kill:" line names the memory
// cgroup that was over its limit and the victim; the "Killed process" line its memory.
struct KernelOomKill {
  std::string oom_memcg;  // e.g. /process_api/x/memgate/memgate-12-1
  pid_t pid = 0;
  std::string comm;
  std::uint64_t rss_bytes = 0;  // anon + file + shmem RSS at the kill
  bool has_rss = false;
};
// Feeds /dev/kmsg records (or dmesg lines) one at a time; keeps only the kills.
class KernelOomParser {
 public:
  void line(std::string_view record);
  // The kills seen, in order; at most `max`.
  const std::vector<KernelOomKill>& kills() const { return kills_; }
  void set_max(std::size_t max) { max_ = max; }
  // Keep only kills whose oom_memcg contains `text` (e.g. "/memgate/memgate-12-1"), so
  // the host's other OOM kills never fill the bound.
  void set_memcg_filter(std::string text) { filter_ = std::move(text); }

 private:
  std::vector<KernelOomKill> kills_;
  std::size_t max_ = 64;
  std::string filter_;
  bool last_kept_ = false;  // whether the last oom-kill line was kept (its Killed line follows)
};

// The value of "key=" in a comma-separated list of key=value ("task=python3,pid=12").
std::optional<std::string_view> comma_field(std::string_view text, std::string_view key);

}  // namespace memgate::sys
